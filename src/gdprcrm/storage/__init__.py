"""Storage ports and the reference adapters.

* :mod:`gdprcrm.storage.protocols` - the ports (repositories, unit of work, storage);
* :mod:`gdprcrm.storage.memory` - in memory: the reference, and the test oracle;
* :mod:`gdprcrm.storage.sqlite` - stdlib sqlite3: the embedded default;
* :mod:`gdprcrm.storage.postgres` - psycopg 3 (``pip install 'gdprcrm[postgres]'``).

Adapters are imported from their modules; importing this package connects to nothing.
"""

from gdprcrm.storage.protocols import Capabilities, Storage, UnitOfWork

__all__ = ["Capabilities", "Storage", "UnitOfWork"]

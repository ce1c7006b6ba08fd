"""``python -m gdprcrm``: the same as the ``gdprcrm`` command."""

import sys

from gdprcrm.cli import main

sys.exit(main())

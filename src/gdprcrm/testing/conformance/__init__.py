"""The storage-adapter conformance suite: prove an adapter correct by subclassing.

Adapter authors subclass :class:`StorageConformance` in their own test suite, set
``__test__ = True`` and implement one hook, :meth:`StorageConformance.make_storage`
(and :meth:`StorageConformance.capabilities` if the adapter lacks an optional feature)::

    from gdprcrm.testing.conformance import StorageConformance

    class TestMyAdapter(StorageConformance):
        __test__ = True

        def make_storage(self):
            return MyStorage(...)

Every test then runs against the adapter, including a stateful Hypothesis machine that
applies the same random operations to the adapter and to the in-memory reference and
asserts they agree after every step, and a fault-injection test that makes each write of
a multi-record operation fail in turn and checks nothing of it remains. Which
repositories exist and which of their methods write comes from one registry,
:data:`gdprcrm.storage.protocols.REPOSITORIES`, so every repository is covered. The
gdprcrm adapters (memory, SQLite, PostgreSQL) are tested exactly this way.
:class:`KeyStoreConformance` does the same for the vault's ``KeyStore`` port (hook:
:meth:`KeyStoreConformance.make_key_store`).

The import path ``gdprcrm.testing.conformance`` is public API and will not move; the
modules behind it (``storage``, ``machine``, ``keys``, ``_support``) may.
"""

from gdprcrm.testing.conformance._support import (
    T0,
    WRITE_METHODS,
    FaultInjected,
    failing_nth_write,
    snapshot,
)
from gdprcrm.testing.conformance.keys import KeyStoreConformance
from gdprcrm.testing.conformance.machine import DifferentialMachine
from gdprcrm.testing.conformance.storage import StorageConformance

__all__ = [
    "T0",
    "WRITE_METHODS",
    "DifferentialMachine",
    "FaultInjected",
    "KeyStoreConformance",
    "StorageConformance",
    "failing_nth_write",
    "snapshot",
]

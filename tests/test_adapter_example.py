"""The worked example of docs/storage-adapters.md passes the whole conformance suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from gdprcrm.storage.protocols import Storage
from gdprcrm.testing.conformance import StorageConformance

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "kv_adapter.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kv_adapter_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


kv = _load()


class TestKeyValueAdapterExample(StorageConformance):
    __test__ = True

    def make_storage(self) -> Storage:
        storage: Storage = kv.KeyValueStorage()
        return storage

    def reopen(self, storage: Storage) -> Storage:
        reopened: Storage = kv.KeyValueStorage(storage.db)  # type: ignore[attr-defined]
        return reopened

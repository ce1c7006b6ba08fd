"""The project's own adapters, tested exactly as a third party's would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing.conformance import StorageConformance
from tests.conftest import fresh_schema


class TestMemoryStorage(StorageConformance):
    __test__ = True

    def make_storage(self) -> Storage:
        return MemoryStorage()


class TestSQLiteStorage(StorageConformance):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path
        self.made = 0

    def make_storage(self) -> Storage:
        self.made += 1
        return SQLiteStorage(self.folder / f"crm-{self.made}.db")

    def reopen(self, storage: Storage) -> Storage:
        assert isinstance(storage, SQLiteStorage)
        return SQLiteStorage(storage.path)

    def reopen_code(self, storage: Storage) -> str:
        assert isinstance(storage, SQLiteStorage)
        return f"""
            from gdprcrm.storage.sqlite import SQLiteStorage
            storage = SQLiteStorage({str(storage.path)!r})
        """


class TestPostgresStorage(StorageConformance):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _server(self, postgres_dsn: str) -> None:
        self.dsn = postgres_dsn

    def make_storage(self) -> Storage:
        from gdprcrm.storage.postgres import PostgresStorage

        return PostgresStorage(self.dsn, schema=fresh_schema())

    def reopen(self, storage: Storage) -> Storage:
        from gdprcrm.storage.postgres import PostgresStorage

        assert isinstance(storage, PostgresStorage)
        return PostgresStorage(self.dsn, schema=storage.schema)

    def reopen_code(self, storage: Storage) -> str:
        from gdprcrm.storage.postgres import PostgresStorage

        assert isinstance(storage, PostgresStorage)
        return f"""
            from gdprcrm.storage.postgres import PostgresStorage
            storage = PostgresStorage({self.dsn!r}, schema={storage.schema!r})
        """

"""The KeyStore invariants for every store that ships, and SQLite's durability."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gdprcrm.errors import KeyShredded, KeyStoreError
from gdprcrm.model import SubjectId
from gdprcrm.storage.protocols import Storage
from gdprcrm.testing import T0
from gdprcrm.testing.conformance import KeyStoreConformance
from gdprcrm.vault import (
    InMemoryKekSource,
    KeyStore,
    KeyVault,
    MemoryKeyStore,
    SQLiteKeyStore,
    WrappedKey,
)
from tests.conftest import fresh_schema
from tests.vault.conftest import SIGNER


class TestMemoryKeyStore(KeyStoreConformance):
    __test__ = True

    def make_key_store(self) -> KeyStore:
        return MemoryKeyStore()


class TestSQLiteKeyStore(KeyStoreConformance):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make_key_store(self) -> KeyStore:
        return SQLiteKeyStore(self.folder / f"{uuid.uuid4().hex}.keys.db")


class TestPostgresKeyStore(KeyStoreConformance):
    __test__ = True

    @pytest.fixture(autouse=True)
    def _server(self, postgres_dsn: str) -> Iterator[None]:
        self.dsn = postgres_dsn
        self.storages: list[Storage] = []
        yield
        for storage in self.storages:
            storage.close()

    def make_key_store(self) -> KeyStore:
        from gdprcrm.storage.postgres import PostgresStorage

        storage = PostgresStorage(self.dsn, schema=fresh_schema())
        self.storages.append(storage)
        return storage.key_store()


def key(sid: SubjectId, version: int = 1, kek: str = "kek-a") -> WrappedKey:
    return WrappedKey(sid, version, kek, bytes([version]) * 60, bytes([version]) * 8, T0)


def test_sqlite_shred_leaves_no_key_bytes_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    store = SQLiteKeyStore(path)
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    vault.encrypt(sid, "email", "x@example.fr")
    wrapped = store.latest(sid)
    assert wrapped is not None
    for other in range(50):
        vault.encrypt(SubjectId.new(), "email", f"{other}@example.fr")

    def files() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.iterdir())

    assert wrapped.wrapped in files()
    vault.shred(sid)
    # secure_delete zeroes the freed bytes; the WAL was checkpointed and truncated.
    wal = tmp_path / "keys.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert wrapped.wrapped not in files()
    assert wrapped.kcv.hex().encode() in files()  # the tombstone keeps the KCV, on purpose
    store.close()


def test_sqlite_shred_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    store = SQLiteKeyStore(path)
    sid = SubjectId.new()
    store.put(key(sid))
    store.shred(sid, T0)
    store.close()
    reopened = SQLiteKeyStore(path)
    assert reopened.latest(sid) is None
    with pytest.raises(KeyShredded):
        reopened.put(key(sid))


def test_sqlite_trigger_refuses_keys_inserted_behind_the_stores_back(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    store = SQLiteKeyStore(path)
    sid = SubjectId.new()
    store.shred(sid, T0)
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="shredded"):
        raw.execute(
            "INSERT INTO vault_keys VALUES (?, 1, 'kek', x'00', x'00', '2026-01-01')",
            (sid.bytes,),
        )
    raw.close()
    store.close()


def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    SQLiteKeyStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE vault_meta SET value = '99' WHERE name = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(KeyStoreError, match="newer"):
        SQLiteKeyStore(path)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    store = SQLiteKeyStore(tmp_path / "keys.db")
    db = store._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    store.close()

"""The KeyStore invariants, for every store that ships, and SQLite's durability."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gdprcrm.errors import KeyShredded, KeyStoreError, NaiveDatetime
from gdprcrm.model import SubjectId
from gdprcrm.vault import (
    InMemoryKekSource,
    KeyStore,
    KeyVault,
    Secret,
    SQLiteKeyStore,
    Tombstone,
    WrappedKey,
)
from tests.vault.conftest import SIGNER

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def key(sid: SubjectId, version: int = 1, kek: str = "kek-a") -> WrappedKey:
    return WrappedKey(sid, version, kek, bytes([version]) * 60, bytes([version]) * 8, T0)


def test_put_get_latest(store: KeyStore) -> None:
    sid = SubjectId.new()
    assert store.latest(sid) is None
    store.put(key(sid, 1))
    store.put(key(sid, 2))
    assert store.get(sid, 1) == key(sid, 1)
    assert store.latest(sid) == key(sid, 2)
    assert store.get(sid, 3) is None
    with pytest.raises(KeyStoreError):
        store.put(key(sid, 2))


def test_shred_destroys_all_versions_atomically_and_refuses_reinsertion(store: KeyStore) -> None:
    sid, other = SubjectId.new(), SubjectId.new()
    store.put(key(sid, 1))
    store.put(key(sid, 2))
    store.put(key(other, 1))
    stone, fresh = store.shred(sid, T0)
    assert fresh
    assert stone.destroyed == ((1, bytes([1]) * 8), (2, bytes([2]) * 8))
    assert store.get(sid, 1) is None
    assert store.latest(sid) is None
    assert store.latest(other) == key(other, 1)
    for version in (1, 2, 3):
        with pytest.raises(KeyShredded):
            store.put(key(sid, version))
    again, fresh_again = store.shred(sid, T0.replace(year=2027))
    assert not fresh_again
    assert again == stone
    assert store.tombstone(sid) == stone
    assert list(store.tombstones()) == [stone]
    with pytest.raises(NaiveDatetime):
        store.shred(SubjectId.new(), datetime(2026, 1, 1))


def test_restore_tombstones(store: KeyStore) -> None:
    sid, fresh_sid = SubjectId.new(), SubjectId.new()
    store.put(key(sid))
    stones = [Tombstone(sid, T0, ((1, b"k" * 8),)), Tombstone(fresh_sid, T0)]
    assert store.restore_tombstones(stones) == 2
    assert store.latest(sid) is None
    with pytest.raises(KeyShredded):
        store.put(key(fresh_sid))
    assert store.restore_tombstones(stones) == 0


def test_batches_and_rewrap(store: KeyStore) -> None:
    subjects = [SubjectId.new() for _ in range(11)]
    for s in subjects:
        store.put(key(s))
    batches = list(store.key_batches(4))
    assert [len(b) for b in batches] == [4, 4, 3]
    everything = [k for b in batches for k in b]
    store.shred(subjects[0], T0)
    moved = [
        WrappedKey(k.subject_id, k.version, "kek-b", b"w" * 60, k.kcv, k.created_at)
        for k in everything
    ]
    assert store.rewrap(moved) == 10  # the shredded one is skipped, not resurrected
    assert store.latest(subjects[0]) is None
    assert {k.kek_id for b in store.key_batches() for k in b} == {"kek-b"}


def test_secrets(store: KeyStore) -> None:
    assert store.get_secret("index") is None
    store.put_secret(Secret("index", "kek-a", b"x" * 60))
    with pytest.raises(KeyStoreError):
        store.put_secret(Secret("index", "kek-a", b"y" * 60))
    store.put_secret(Secret("index", "kek-b", b"y" * 60), replace=True)
    assert store.get_secret("index") == Secret("index", "kek-b", b"y" * 60)


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

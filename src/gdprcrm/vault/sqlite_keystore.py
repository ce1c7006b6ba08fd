"""A key store in its own SQLite file: durable shreds that leave nothing behind.

The database runs in WAL mode with ``synchronous=FULL`` (a committed shred survives a
power cut) and ``secure_delete=ON`` (deleted key bytes are overwritten). After a shred
commits, the WAL is checkpointed and truncated before :meth:`SQLiteKeyStore.shred`
returns, so no older copy of the wrapped key lingers in the write-ahead log. A trigger
refuses, inside SQLite itself, any key inserted for a subject with a tombstone.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from gdprcrm.errors import DuplicateKey, KeyShredded, KeyStoreError
from gdprcrm.model import SubjectId
from gdprcrm.model._checks import check_aware
from gdprcrm.vault._rows import destroyed_text, key_from_row, tombstone_from_row
from gdprcrm.vault.keystore import Secret, Tombstone, WrappedKey

__all__ = ["SCHEMA_VERSION", "SQLiteKeyStore"]

SCHEMA_VERSION = 1
_SHREDDED_MARK = "gdprcrm: subject keys were shredded"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vault_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vault_keys (
    subject BLOB NOT NULL,
    version INTEGER NOT NULL,
    kek_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    kcv BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (subject, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vault_tombstones (
    subject BLOB PRIMARY KEY,
    shredded_at TEXT NOT NULL,
    destroyed TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vault_secrets (
    name TEXT PRIMARY KEY,
    kek_id TEXT NOT NULL,
    wrapped BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS vault_keys_refuse_shredded
BEFORE INSERT ON vault_keys
WHEN EXISTS (SELECT 1 FROM vault_tombstones WHERE subject = NEW.subject)
BEGIN SELECT RAISE(ABORT, 'gdprcrm: subject keys were shredded'); END;
"""


assert _SHREDDED_MARK in _SCHEMA


class SQLiteKeyStore:
    """Wrapped keys and tombstones in an SQLite file (by default apart from the data)."""

    def __init__(self, path: str | os.PathLike[str], *, checkpoint_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._checkpoint_timeout = checkpoint_timeout
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise KeyStoreError(f"key store {self.path}: {exc}") from None

    def _migrate(self) -> None:
        with self._lock:
            has_meta = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vault_meta'"
            ).fetchone()
            if has_meta:
                row = self._db.execute(
                    "SELECT value FROM vault_meta WHERE name = 'schema_version'"
                ).fetchone()
                if row is not None and int(row[0]) > SCHEMA_VERSION:
                    raise KeyStoreError(
                        f"key store {self.path} has schema {row[0]}, newer than this gdprcrm "
                        f"understands ({SCHEMA_VERSION}); upgrade gdprcrm"
                    )
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO vault_meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )

    def get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM vault_keys WHERE subject = ? AND version = ?",
                (subject_id.bytes, version),
            ).fetchone()
        return None if row is None else key_from_row(row, subject_id)

    def latest(self, subject_id: SubjectId) -> WrappedKey | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM vault_keys WHERE subject = ? ORDER BY version DESC LIMIT 1",
                (subject_id.bytes,),
            ).fetchone()
        return None if row is None else key_from_row(row, subject_id)

    def put(self, key: WrappedKey) -> None:
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO vault_keys VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        key.subject_id.bytes,
                        key.version,
                        key.kek_id,
                        key.wrapped,
                        key.kcv,
                        key.created_at.isoformat(),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            if _SHREDDED_MARK in str(exc):
                raise KeyShredded(
                    f"subject {key.subject_id}: keys were shredded; refused"
                ) from None
            raise DuplicateKey(f"subject {key.subject_id}: key version exists") from None
        except sqlite3.Error as exc:
            raise KeyStoreError(f"key store: {exc}") from None

    def shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        at = check_aware(at, "shred(at)")
        sid = subject_id.bytes
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    row = self._db.execute(
                        "SELECT * FROM vault_tombstones WHERE subject = ?", (sid,)
                    ).fetchone()
                    if row is not None:
                        self._db.execute("COMMIT")
                        fresh, stone = False, tombstone_from_row(row)
                    else:
                        destroyed = self._db.execute(
                            "SELECT version, kcv FROM vault_keys WHERE subject = ? "
                            "ORDER BY version",
                            (sid,),
                        ).fetchall()
                        self._db.execute("DELETE FROM vault_keys WHERE subject = ?", (sid,))
                        self._db.execute(
                            "INSERT INTO vault_tombstones VALUES (?, ?, ?)",
                            (sid, at.isoformat(), destroyed_text(destroyed)),
                        )
                        self._db.execute("COMMIT")
                        fresh = True
                        stone = Tombstone(
                            subject_id, at, tuple((v, bytes(k)) for v, k in destroyed)
                        )
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                self._checkpoint()
            except sqlite3.Error as exc:
                raise KeyStoreError(f"key store: shred failed: {exc}") from None
        return stone, fresh

    def _checkpoint(self) -> None:
        """Move the WAL into the database and truncate it: no old key page remains."""
        deadline = time.monotonic() + self._checkpoint_timeout
        while True:
            busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            if time.monotonic() > deadline:
                raise KeyStoreError(
                    "shred committed, but other readers kept the WAL from being truncated; "
                    "call shred() again once they are done"
                )
            time.sleep(0.01)

    def tombstone(self, subject_id: SubjectId) -> Tombstone | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM vault_tombstones WHERE subject = ?", (subject_id.bytes,)
            ).fetchone()
        return None if row is None else tombstone_from_row(row)

    def tombstones(self) -> Iterator[Tombstone]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM vault_tombstones").fetchall()
        return (tombstone_from_row(r) for r in rows)

    def restore_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        count = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for stone in tombstones:
                    sid = stone.subject_id.bytes
                    deleted = self._db.execute(
                        "DELETE FROM vault_keys WHERE subject = ?", (sid,)
                    ).rowcount
                    inserted = self._db.execute(
                        "INSERT OR IGNORE INTO vault_tombstones VALUES (?, ?, ?)",
                        (
                            sid,
                            stone.shredded_at.isoformat(),
                            destroyed_text(stone.destroyed),
                        ),
                    ).rowcount
                    count += 1 if (deleted or inserted) else 0
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._checkpoint()
        return count

    def key_batches(self, batch_size: int = 1000) -> Iterator[list[WrappedKey]]:
        last: tuple[bytes, int] = (b"", 0)
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT * FROM vault_keys WHERE (subject, version) > (?, ?) "
                    "ORDER BY subject, version LIMIT ?",
                    (*last, batch_size),
                ).fetchall()
            if not rows:
                return
            last = (rows[-1][0], rows[-1][1])
            yield [key_from_row(r) for r in rows]

    def rewrap(self, keys: Sequence[WrappedKey]) -> int:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.executemany(
                    "UPDATE vault_keys SET kek_id = ?, wrapped = ? "
                    "WHERE subject = ? AND version = ?",
                    [(k.kek_id, k.wrapped, k.subject_id.bytes, k.version) for k in keys],
                )
                done = cursor.rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return done

    def get_secret(self, name: str) -> Secret | None:
        with self._lock:
            row = self._db.execute(
                "SELECT name, kek_id, wrapped FROM vault_secrets WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else Secret(row[0], row[1], bytes(row[2]))

    def put_secret(self, secret: Secret, *, replace: bool = False) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        try:
            with self._lock:
                self._db.execute(
                    f"{verb} INTO vault_secrets VALUES (?, ?, ?)",
                    (secret.name, secret.kek_id, secret.wrapped),
                )
        except sqlite3.IntegrityError:
            raise DuplicateKey(f"secret {secret.name!r} exists") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SQLiteKeyStore({str(self.path)!r})"

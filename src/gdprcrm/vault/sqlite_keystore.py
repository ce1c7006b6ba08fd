"""A key store in its own SQLite file: durable shreds that leave nothing behind.

The database runs in WAL mode with ``synchronous=FULL`` (a committed shred survives a
power cut) and ``secure_delete=ON`` (deleted key bytes are overwritten). After a shred
commits, the WAL is checkpointed and truncated before :meth:`SQLiteKeyStore.shred`
returns, so no older copy of the wrapped key lingers in the write-ahead log. A trigger
refuses, inside SQLite itself, any key inserted for a subject with a tombstone.

The statements and the migrations are those of :mod:`gdprcrm.vault.sql_keystore`,
shared with PostgreSQL; this module holds only the connection and its transactions.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gdprcrm.errors import KeyStoreError, StorageError
from gdprcrm.storage.sqlite_errors import translated
from gdprcrm.storage.sqlite_wal import enable_wal
from gdprcrm.vault.sql_keystore import (
    SCHEMA_VERSION,
    SHREDDED_MARK,
    Run,
    SQLKeyStore,
    migrate_key_store,
)

__all__ = ["SCHEMA_VERSION", "SQLiteKeyStore"]

_TRIGGER = (
    """CREATE TRIGGER IF NOT EXISTS vault_keys_refuse_shredded
    BEFORE INSERT ON vault_keys
    WHEN EXISTS (SELECT 1 FROM vault_tombstones WHERE subject = NEW.subject)
    BEGIN SELECT RAISE(ABORT, 'gdprcrm: subject keys were shredded'); END""",
)
assert SHREDDED_MARK in _TRIGGER[0]


class SQLiteKeyStore(SQLKeyStore):
    """Wrapped keys and tombstones in an SQLite file (by default apart from the data)."""

    def __init__(self, path: str | os.PathLike[str], *, checkpoint_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.what = f"key store {self.path}"
        self._checkpoint_timeout = checkpoint_timeout
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            enable_wal(self._db, 30.0)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA secure_delete=ON")
            with self._transaction(write=True) as run:
                migrate_key_store(run, "BLOB", _TRIGGER, str(self.path))
        except sqlite3.Error as exc:
            raise KeyStoreError(f"key store {self.path}: {exc}") from None
        except StorageError as exc:
            raise KeyStoreError(f"key store {self.path}: {exc}") from None

    def _run(self, statement: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(statement, params)
        except sqlite3.Error as exc:
            raise translated(exc) from None

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Run]:
        with self._lock:
            if not write:  # autocommit reads: never block the writer
                yield self._run
                return
            self._run("BEGIN IMMEDIATE")
            try:
                yield self._run
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._run("COMMIT")

    def _read_one(self, statement: str, params: Sequence[Any]) -> Any:
        # The cold-key path (P4): one locked, autocommit read, no context manager.
        try:
            with self._lock:
                return self._db.execute(statement, params).fetchone()
        except sqlite3.Error as exc:
            raise KeyStoreError(f"{self.what}: {translated(exc)}") from None

    def _update_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        with self._transaction(write=True):
            try:
                return self._db.executemany(statement, rows).rowcount
            except sqlite3.Error as exc:
                raise translated(exc) from None

    def _after_destruction(self) -> None:
        """Move the WAL into the database and truncate it: no old key page remains."""
        deadline = time.monotonic() + self._checkpoint_timeout
        with self._lock:
            while True:
                busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                if time.monotonic() > deadline:
                    raise KeyStoreError(
                        "shred committed, but other readers kept the WAL from being "
                        "truncated; call shred() again once they are done"
                    )
                time.sleep(0.01)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SQLiteKeyStore({str(self.path)!r})"

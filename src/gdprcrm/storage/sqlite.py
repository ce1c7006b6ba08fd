"""The SQLite adapter (stdlib sqlite3): the embedded default.

One database file in WAL mode with foreign keys on and ``synchronous=FULL``; the vault's
keys live in a separate file beside it (``<name>.keys.db``) so that a restored data
backup cannot bring a shredded key back. Each thread gets its own connection; a writing
unit of work is one ``BEGIN IMMEDIATE`` transaction, so writers are serialised, and the
writers of one process queue first come, first served (bounded by ``timeout``); a
read-only unit is a deferred transaction, a snapshot that never blocks a writer. Across
processes SQLite's busy timeout (``timeout``, 30 s) bounds the wait, without order: a
deployment with many writing processes belongs on PostgreSQL. Tables are created on
first use, the schema version is recorded, and a database newer than this code is
refused.

Every sqlite3 error is translated in one place, :func:`translate` (its table lives in
:mod:`gdprcrm.storage.sqlite_errors`, shared with the SQLite key store), into the
:class:`~gdprcrm.errors.StorageError` tree.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gdprcrm import errors
from gdprcrm.storage import _sql, _sql_unit
from gdprcrm.storage import protocols as p
from gdprcrm.storage._fair_lock import FairLock
from gdprcrm.storage.sqlite_errors import translate
from gdprcrm.storage.sqlite_errors import translated as _translated
from gdprcrm.storage.sqlite_wal import enable_wal
from gdprcrm.vault.keystore import KeyStore
from gdprcrm.vault.sqlite_keystore import SQLiteKeyStore

__all__ = ["SQLiteStorage", "translate"]


class _Dialect(_sql.Dialect):
    blob = "BLOB"
    bigint = "INTEGER"
    begin = "BEGIN IMMEDIATE"

    def translate(self, exc: Exception) -> errors.StorageError | None:
        return translate(exc)


_DIALECT = _Dialect()


class _SQLiteUnit(_sql_unit.SqlUnit):
    def __init__(self, storage: SQLiteStorage, read_only: bool) -> None:
        super().__init__(_DIALECT, read_only=read_only)
        self._storage = storage
        self._db: sqlite3.Connection | None = None
        self._writing = False

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        assert self._db is not None
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _translated(exc) from None

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        assert self._db is not None
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _translated(exc) from None

    def _begin(self) -> None:
        storage = self._storage
        self._db = storage._enter()
        if self.read_only:  # a snapshot from the first read: never blocks a writer
            try:
                self._db.execute("BEGIN")
            except sqlite3.Error as exc:
                self._end()
                raise _translated(exc) from None
            return
        # Writers of this process take turns first come, first served (bounded), then
        # take SQLite's write lock (busy timeout against other processes).
        if not storage._writers.acquire(storage._timeout):
            storage._leave()
            raise errors.OperationalError(
                f"waited {storage._timeout:g}s for this process's other writers to finish "
                f"with {storage.path.name}; retry, or raise SQLiteStorage(timeout=)"
            )
        self._writing = True
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._end()
            raise _translated(exc) from None

    def _commit(self) -> None:
        assert self._db is not None
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _translated(exc) from None

    def _rollback(self) -> None:
        if self._db is not None and self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error as exc:  # pragma: no cover - connection lost
                raise _translated(exc) from None

    def _end(self) -> None:
        if self._writing:
            self._writing = False
            self._storage._writers.release()
        self._storage._leave()
        self._db = None


class SQLiteStorage(p.Storage):
    """gdprcrm's records in one SQLite file, the vault's keys in another beside it."""

    capabilities = p.Capabilities(durable=True)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key_store_path: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self._key_path = (
            Path(key_store_path)
            if key_store_path is not None
            else self.path.with_name(self.path.name + ".keys.db")
        )
        if self._key_path.resolve() == self.path.resolve():
            raise errors.InvalidInput("the key store must not be the data file itself")
        self._timeout = timeout
        self._writers = FairLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._keys: SQLiteKeyStore | None = None
        db = self._connection()
        try:
            db.execute("BEGIN IMMEDIATE")
            _sql.migrate(lambda s, a: db.execute(s, a), _DIALECT, str(self.path))
            db.execute("COMMIT")
        except errors.StorageError:
            db.execute("ROLLBACK")
            raise
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise _translated(exc) from None

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise errors.InterfaceError("storage is closed")
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(
                    self.path,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=self._timeout,
                )
                enable_wal(db, self._timeout)
                db.execute("PRAGMA synchronous=FULL")
                db.execute("PRAGMA foreign_keys=ON")
                db.execute("PRAGMA secure_delete=ON")  # deleted values are zeroed on disk
            except sqlite3.Error as exc:
                raise _translated(exc) from None
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def _enter(self) -> sqlite3.Connection:
        if getattr(self._local, "inside", False):
            raise errors.NestedUnitOfWork("a unit of work is already open in this thread")
        db = self._connection()
        self._local.inside = True
        return db

    def _leave(self) -> None:
        self._local.inside = False

    def unit_of_work(self, *, read_only: bool = False) -> p.UnitOfWork:
        if self._closed:
            raise errors.InterfaceError("storage is closed")
        return _SQLiteUnit(self, read_only)

    def key_store(self) -> KeyStore:
        if self._keys is None:
            self._keys = SQLiteKeyStore(self._key_path)
        return self._keys

    def purge(self, timeout: float = 2.0) -> bool:
        """Checkpoint the write-ahead log into the database and truncate it, so that the
        pages an erasure deleted (already zeroed by ``secure_delete``) leave no copy in
        ``<file>-wal``: blind indexes included, which would otherwise still answer "was
        this person a customer?". Waits for readers up to ``timeout`` seconds."""
        db = self._connection()
        deadline = time.monotonic() + timeout
        try:
            while True:
                busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return True
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
        except sqlite3.Error as exc:
            raise _translated(exc) from None

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        if self._keys is not None:
            self._keys.close()

    def __repr__(self) -> str:
        return f"SQLiteStorage({str(self.path)!r})"

"""The PostgreSQL adapter (psycopg 3; ``pip install 'gdprcrm[postgres]'``).

Built from a DSN (it then keeps a small pool of its own connections), an existing
``psycopg.Connection`` (units of work then take turns on it), or a ``psycopg_pool``
``ConnectionPool`` (anything with ``getconn()`` and ``putconn()``). ``schema`` puts every
table in a schema of its own. A unit of work is one transaction; ``get_for_update`` and
the audit chain head take row locks (``SELECT ... FOR UPDATE``), so concurrent
processes never lose an update nor skip or repeat an audit sequence number.

The vault's keys live in the same database (:class:`PostgresKeyStore`), in tables of
their own, guarded by a trigger that refuses keys for shredded subjects.

Every psycopg error is translated here, in :func:`translate`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql as pgsql

from gdprcrm import errors
from gdprcrm.model import SubjectId
from gdprcrm.model._checks import check_aware
from gdprcrm.storage import _sql
from gdprcrm.storage import protocols as p
from gdprcrm.vault._rows import destroyed_text, key_from_row, tombstone_from_row
from gdprcrm.vault.keystore import KeyStore, Secret, Tombstone, WrappedKey

__all__ = ["PostgresKeyStore", "PostgresStorage", "translate"]

_MIGRATION_LOCK = 0x6764_7072  # advisory lock id: "gdpr"
_SHREDDED_MARK = "gdprcrm: subject keys were shredded"

_TRANSLATION: list[tuple[type[Exception], type[errors.StorageError]]] = [
    (psycopg.errors.UniqueViolation, errors.DuplicateRecord),
    (psycopg.IntegrityError, errors.IntegrityError),
    (psycopg.errors.NumericValueOutOfRange, errors.DataError),
    (psycopg.DataError, errors.DataError),
    (psycopg.OperationalError, errors.OperationalError),
    (psycopg.ProgrammingError, errors.ProgrammingError),
    (psycopg.NotSupportedError, errors.NotSupportedError),
    (psycopg.InternalError, errors.InternalError),
    (psycopg.InterfaceError, errors.InterfaceError),
    (psycopg.DatabaseError, errors.DatabaseError),
    (psycopg.Error, errors.StorageError),
]


def translate(exc: Exception) -> errors.StorageError | None:
    """The StorageError for a psycopg error (None for anything else)."""
    if not isinstance(exc, psycopg.Error):
        return None
    for driver_cls, ours in _TRANSLATION:
        if isinstance(exc, driver_cls):
            name = type(exc).__name__
            # psycopg's primary message names constraints and tables; DETAIL lines can
            # quote values, so only the first line is kept.
            first = (str(exc).splitlines() or [""])[0][:200]
            return ours(f"postgres {name}: {first}")
    return errors.StorageError(str(exc)[:200])  # pragma: no cover


def _translated(exc: Exception) -> errors.StorageError:
    ours = translate(exc)
    assert ours is not None
    return ours


class _Dialect(_sql.Dialect):
    blob = "BYTEA"
    bigint = "BIGINT"
    for_update = " FOR UPDATE"
    begin = "BEGIN"

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def translate(self, exc: Exception) -> errors.StorageError | None:
        return translate(exc)


_DIALECT = _Dialect()


class _Connections:
    """Where connections come from: own pool (DSN), one shared connection, or a pool."""

    def __init__(self, dsn: str | None, connection: Any, pool: Any, schema: str | None) -> None:
        if sum(x is not None for x in (dsn, connection, pool)) != 1:
            raise errors.InvalidInput("give exactly one of dsn, connection or pool")
        self._dsn = dsn
        self._shared = connection
        self._pool = pool
        self._schema = schema
        self._idle: list[psycopg.Connection[Any]] = []
        self._all: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()
        self._shared_lock = threading.RLock()  # the key store may nest inside a unit
        self._prepared: set[int] = set()

    def _prepare(self, conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
        if id(conn) not in self._prepared:
            conn.autocommit = True
            if self._schema is not None:
                conn.execute(
                    pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                        pgsql.Identifier(self._schema)
                    )
                )
                conn.execute(
                    pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self._schema))
                )
            self._prepared.add(id(conn))
        return conn

    def acquire(self) -> psycopg.Connection[Any]:
        try:
            if self._shared is not None:
                self._shared_lock.acquire()
                return self._prepare(self._shared)
            if self._pool is not None:
                return self._prepare(self._pool.getconn())
            with self._lock:
                if self._idle:
                    return self._idle.pop()
            assert self._dsn is not None
            conn = psycopg.connect(self._dsn, autocommit=True)
            with self._lock:
                self._all.append(conn)
            return self._prepare(conn)
        except psycopg.Error as exc:
            if self._shared is not None:
                self._shared_lock.release()
            raise _translated(exc) from None

    def release(self, conn: psycopg.Connection[Any]) -> None:
        if self._shared is not None:
            self._shared_lock.release()
        elif self._pool is not None:
            self._pool.putconn(conn)
        elif conn.closed:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
        else:
            with self._lock:
                self._idle.append(conn)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._idle.clear()


def _run_on(conn: psycopg.Connection[Any], statement: str, params: Sequence[Any] = ()) -> Any:
    try:
        return conn.execute(_DIALECT.sql(statement), tuple(params))
    except psycopg.Error as exc:
        raise _translated(exc) from None


class _PostgresUnit(_sql.SqlUnit):
    def __init__(self, storage: PostgresStorage, read_only: bool) -> None:
        super().__init__(_DIALECT, read_only=read_only)
        self._storage = storage
        self._conn: psycopg.Connection[Any] | None = None

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        assert self._conn is not None
        return _run_on(self._conn, sql, params)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        assert self._conn is not None
        try:
            with self._conn.cursor() as cur:
                cur.executemany(_DIALECT.sql(sql), rows)
        except psycopg.Error as exc:
            raise _translated(exc) from None

    def _begin(self) -> None:
        self._conn = self._storage._enter()
        try:
            _run_on(self._conn, "BEGIN READ ONLY" if self.read_only else "BEGIN")
        except errors.StorageError:
            self._release()
            raise

    def _commit(self) -> None:
        assert self._conn is not None
        _run_on(self._conn, "COMMIT")

    def _rollback(self) -> None:
        if self._conn is not None and not self._conn.closed:
            with contextlib.suppress(errors.StorageError):  # the connection may be lost
                _run_on(self._conn, "ROLLBACK")

    def _release(self) -> None:
        if self._conn is not None:
            self._storage._leave(self._conn)
            self._conn = None

    def _end(self) -> None:
        self._release()


class PostgresStorage(p.Storage):
    """gdprcrm's records, and the vault's keys, in a PostgreSQL database."""

    capabilities = p.Capabilities(durable=True, concurrent_processes=True, row_locks=True)

    def __init__(
        self,
        dsn: str | None = None,
        *,
        connection: psycopg.Connection[Any] | None = None,
        pool: Any = None,
        schema: str | None = None,
    ) -> None:
        self._connections = _Connections(dsn, connection, pool, schema)
        self._local = threading.local()
        self._closed = False
        self._keys: PostgresKeyStore | None = None
        self.schema = schema
        try:
            self._migrate()
        except BaseException:
            self._connections.close()  # nothing of a failed open stays connected
            raise

    def _migrate(self) -> None:
        conn = self._connections.acquire()
        try:
            _run_on(conn, "BEGIN")
            try:
                _run_on(conn, "SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
                _sql.migrate(lambda s, a: _run_on(conn, s, a), _DIALECT, "PostgreSQL database")
                _KeyStoreSchema.create(conn)
                _run_on(conn, "COMMIT")
            except BaseException:
                if not conn.closed:
                    _run_on(conn, "ROLLBACK")
                raise
        finally:
            self._connections.release(conn)

    def _enter(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise errors.InterfaceError("storage is closed")
        if getattr(self._local, "inside", False):
            raise errors.NestedUnitOfWork("a unit of work is already open in this thread")
        conn = self._connections.acquire()
        self._local.inside = True
        return conn

    def _leave(self, conn: psycopg.Connection[Any]) -> None:
        self._local.inside = False
        self._connections.release(conn)

    def unit_of_work(self, *, read_only: bool = False) -> p.UnitOfWork:
        if self._closed:
            raise errors.InterfaceError("storage is closed")
        return _PostgresUnit(self, read_only)

    def key_store(self) -> KeyStore:
        if self._keys is None:
            self._keys = PostgresKeyStore(self._connections)
        return self._keys

    def close(self) -> None:
        self._closed = True
        self._connections.close()

    def __repr__(self) -> str:
        return f"PostgresStorage(schema={self.schema!r})"


assert _SHREDDED_MARK == "gdprcrm: subject keys were shredded"


class _KeyStoreSchema:
    STATEMENTS = (
        """CREATE TABLE IF NOT EXISTS vault_keys (
            subject BYTEA NOT NULL, version INTEGER NOT NULL, kek_id TEXT NOT NULL,
            wrapped BYTEA NOT NULL, kcv BYTEA NOT NULL, created_at TEXT NOT NULL,
            PRIMARY KEY (subject, version))""",
        """CREATE TABLE IF NOT EXISTS vault_tombstones (
            subject BYTEA PRIMARY KEY, shredded_at TEXT NOT NULL, destroyed TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS vault_secrets (
            name TEXT PRIMARY KEY, kek_id TEXT NOT NULL, wrapped BYTEA NOT NULL)""",
        """CREATE OR REPLACE FUNCTION vault_refuse_shredded() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM vault_tombstones WHERE subject = NEW.subject) THEN
                RAISE EXCEPTION 'gdprcrm: subject keys were shredded';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        """DROP TRIGGER IF EXISTS vault_keys_refuse_shredded ON vault_keys""",
        """CREATE TRIGGER vault_keys_refuse_shredded BEFORE INSERT OR UPDATE ON vault_keys
        FOR EACH ROW EXECUTE FUNCTION vault_refuse_shredded()""",
    )

    @classmethod
    def create(cls, conn: psycopg.Connection[Any]) -> None:
        for statement in cls.STATEMENTS:
            _run_on(conn, statement)


class PostgresKeyStore:
    """The vault's :class:`~gdprcrm.vault.KeyStore` in PostgreSQL tables.

    A shred is one committed transaction (durable with the server's default
    ``synchronous_commit``). PostgreSQL keeps deleted rows on disk until VACUUM reclaims
    them; those rows hold only *wrapped* keys, useless without the KEK, and a tombstone
    refuses their return. Run VACUUM regularly to reclaim them.
    """

    def __init__(self, connections: _Connections) -> None:
        self._connections = connections

    def _tx(self) -> _Tx:
        return _Tx(self._connections)

    def get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        with self._tx() as run:
            row = run(
                "SELECT * FROM vault_keys WHERE subject = ? AND version = ?",
                (subject_id.bytes, version),
            ).fetchone()
        return None if row is None else key_from_row(row, subject_id)

    def latest(self, subject_id: SubjectId) -> WrappedKey | None:
        with self._tx() as run:
            row = run(
                "SELECT * FROM vault_keys WHERE subject = ? ORDER BY version DESC LIMIT 1",
                (subject_id.bytes,),
            ).fetchone()
        return None if row is None else key_from_row(row, subject_id)

    def put(self, key: WrappedKey) -> None:
        try:
            with self._tx() as run:
                run(
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
        except errors.DuplicateRecord:
            raise errors.DuplicateKey(f"subject {key.subject_id}: key version exists") from None
        except errors.StorageError as exc:
            if _SHREDDED_MARK in str(exc):
                raise errors.KeyShredded(
                    f"subject {key.subject_id}: keys were shredded; refused"
                ) from None
            raise errors.KeyStoreError(f"key store: {exc}") from None

    def shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        at = check_aware(at, "shred(at)")
        sid = subject_id.bytes
        with self._tx() as run:
            run("SELECT pg_advisory_xact_lock(hashtext(?))", (sid.hex(),))
            row = run("SELECT * FROM vault_tombstones WHERE subject = ?", (sid,)).fetchone()
            if row is not None:
                return tombstone_from_row(row), False
            destroyed = run(
                "DELETE FROM vault_keys WHERE subject = ? RETURNING version, kcv", (sid,)
            ).fetchall()
            destroyed = sorted((v, bytes(k)) for v, k in destroyed)
            run(
                "INSERT INTO vault_tombstones VALUES (?, ?, ?)",
                (sid, at.isoformat(), destroyed_text(destroyed)),
            )
        return Tombstone(subject_id, at, tuple(destroyed)), True

    def tombstone(self, subject_id: SubjectId) -> Tombstone | None:
        with self._tx() as run:
            row = run(
                "SELECT * FROM vault_tombstones WHERE subject = ?", (subject_id.bytes,)
            ).fetchone()
        return None if row is None else tombstone_from_row(row)

    def tombstones(self) -> Iterator[Tombstone]:
        with self._tx() as run:
            rows = run("SELECT * FROM vault_tombstones").fetchall()
        return (tombstone_from_row(r) for r in rows)

    def restore_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        count = 0
        with self._tx() as run:
            for stone in tombstones:
                sid = stone.subject_id.bytes
                deleted = run("DELETE FROM vault_keys WHERE subject = ?", (sid,)).rowcount
                inserted = run(
                    "INSERT INTO vault_tombstones VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        sid,
                        stone.shredded_at.isoformat(),
                        destroyed_text(stone.destroyed),
                    ),
                ).rowcount
                count += 1 if (deleted or inserted) else 0
        return count

    def key_batches(self, batch_size: int = 1000) -> Iterator[list[WrappedKey]]:
        last: tuple[bytes, int] = (b"", 0)
        while True:
            with self._tx() as run:
                rows = run(
                    "SELECT * FROM vault_keys WHERE (subject, version) > (?, ?) "
                    "ORDER BY subject, version LIMIT ?",
                    (*last, batch_size),
                ).fetchall()
            if not rows:
                return
            last = (bytes(rows[-1][0]), rows[-1][1])
            yield [key_from_row(r) for r in rows]

    def rewrap(self, keys: Sequence[WrappedKey]) -> int:
        done = 0
        with self._tx() as run:
            for k in keys:
                done += run(
                    "UPDATE vault_keys SET kek_id = ?, wrapped = ? "
                    "WHERE subject = ? AND version = ?",
                    (k.kek_id, k.wrapped, k.subject_id.bytes, k.version),
                ).rowcount
        return done

    def get_secret(self, name: str) -> Secret | None:
        with self._tx() as run:
            row = run(
                "SELECT name, kek_id, wrapped FROM vault_secrets WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else Secret(row[0], row[1], bytes(row[2]))

    def put_secret(self, secret: Secret, *, replace: bool = False) -> None:
        statement = (
            "INSERT INTO vault_secrets VALUES (?, ?, ?) ON CONFLICT (name) "
            "DO UPDATE SET kek_id = excluded.kek_id, wrapped = excluded.wrapped"
            if replace
            else "INSERT INTO vault_secrets VALUES (?, ?, ?)"
        )
        try:
            with self._tx() as run:
                run(statement, (secret.name, secret.kek_id, secret.wrapped))
        except errors.DuplicateRecord:
            raise errors.DuplicateKey(f"secret {secret.name!r} exists") from None

    def close(self) -> None:
        """The connections belong to the storage; closing it closes them."""

    def __repr__(self) -> str:
        return "PostgresKeyStore()"


class _Tx:
    """A short transaction of its own on a pooled connection (for the key store)."""

    def __init__(self, connections: _Connections) -> None:
        self._connections = connections
        self._conn: psycopg.Connection[Any] | None = None
        self._nested = False

    def __enter__(self) -> Any:
        self._conn = self._connections.acquire()
        conn = self._conn
        # With one shared connection, a unit of work may already be open on it: nest
        # in a savepoint rather than committing the unit's transaction.
        self._nested = conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        try:
            _run_on(conn, "SAVEPOINT gdprcrm_keys" if self._nested else "BEGIN")
        except BaseException:
            self._connections.release(conn)
            raise
        return lambda statement, params=(): _run_on(conn, statement, params)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._conn is not None
        try:
            if not self._conn.closed:
                if self._nested:
                    _run_on(
                        self._conn,
                        "ROLLBACK TO SAVEPOINT gdprcrm_keys"
                        if exc_type
                        else "RELEASE SAVEPOINT gdprcrm_keys",
                    )
                else:
                    _run_on(self._conn, "ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._connections.release(self._conn)

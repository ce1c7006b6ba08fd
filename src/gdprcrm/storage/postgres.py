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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql as pgsql

from gdprcrm import errors
from gdprcrm.model import SubjectId
from gdprcrm.storage import _sql, _sql_unit
from gdprcrm.storage import protocols as p
from gdprcrm.vault.keystore import KeyStore
from gdprcrm.vault.sql_keystore import SHREDDED_MARK, Run, SQLKeyStore, migrate_key_store

__all__ = ["PostgresKeyStore", "PostgresStorage", "translate"]

_MIGRATION_LOCK = 0x6764_7072  # advisory lock id: "gdpr"

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

    def shared_in_transaction(self) -> bool:
        """One shared connection with a transaction open on it (a unit of work)."""
        shared = self._shared
        return (
            shared is not None
            and not shared.closed
            and shared.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        )

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


class _PostgresUnit(_sql_unit.SqlUnit):
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


def _in_migration(connections: _Connections, migrate: Callable[[Run], None]) -> None:
    """Run ``migrate`` in one transaction, under the migration lock: two processes
    opening the same database at once migrate it once."""
    conn = connections.acquire()
    try:
        _run_on(conn, "BEGIN")
        try:
            _run_on(conn, "SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            migrate(lambda statement, params=(): _run_on(conn, statement, params))
            _run_on(conn, "COMMIT")
        except BaseException:
            if not conn.closed:
                _run_on(conn, "ROLLBACK")
            raise
    finally:
        connections.release(conn)


class PostgresStorage(p.Storage):
    """gdprcrm's records, and the vault's keys, in a PostgreSQL database.

    ``key_dsn`` puts the vault's keys in another database (another server, ideally,
    backed up on its own schedule): then a backup of the data is not a backup of the keys,
    and restoring one cannot bring an erased person's data back (docs/vault.md).
    ``key_schema`` names the keys' schema there (default: ``schema``).
    """

    capabilities = p.Capabilities(durable=True, concurrent_processes=True, row_locks=True)

    def __init__(
        self,
        dsn: str | None = None,
        *,
        connection: psycopg.Connection[Any] | None = None,
        pool: Any = None,
        schema: str | None = None,
        key_dsn: str | None = None,
        key_schema: str | None = None,
    ) -> None:
        self._connections = _Connections(dsn, connection, pool, schema)
        self._key_connections = (
            None
            if key_dsn is None
            else _Connections(key_dsn, None, None, key_schema if key_schema else schema)
        )
        self._local = threading.local()
        self._closed = False
        self._keys: PostgresKeyStore | None = None
        self.schema = schema
        try:
            self._migrate()
            if self._key_connections is not None:
                self._migrate_keys(self._key_connections)
        except BaseException:
            self._connections.close()  # nothing of a failed open stays connected
            if self._key_connections is not None:
                self._key_connections.close()
            raise

    def _migrate(self) -> None:
        def data(run: Run) -> None:
            _sql.migrate(run, _DIALECT, "PostgreSQL database")
            if self._key_connections is None:  # the keys live beside the data
                migrate_key_store(run, "BYTEA", _KEY_TRIGGER, "PostgreSQL")

        _in_migration(self._connections, data)

    def _migrate_keys(self, connections: _Connections) -> None:
        _in_migration(
            connections,
            lambda run: migrate_key_store(run, "BYTEA", _KEY_TRIGGER, "PostgreSQL keys"),
        )

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
            keys = self._key_connections or self._connections
            self._keys = PostgresKeyStore(keys)
        return self._keys

    def close(self) -> None:
        self._closed = True
        self._connections.close()
        if self._key_connections is not None:
            self._key_connections.close()

    def __repr__(self) -> str:
        return f"PostgresStorage(schema={self.schema!r})"


_KEY_TRIGGER = (
    # The tombstones looked up are those of the table's own schema, never through the
    # caller's search_path: with one schema per tenant, an insert from another search
    # path must still meet this schema's tombstones.
    """CREATE OR REPLACE FUNCTION vault_refuse_shredded() RETURNS trigger AS $$
    DECLARE
        shredded boolean;
    BEGIN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(TG_TABLE_SCHEMA)
            || '.vault_tombstones WHERE subject = $1)' INTO shredded USING NEW.subject;
        IF shredded THEN
            RAISE EXCEPTION 'gdprcrm: subject keys were shredded';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """DROP TRIGGER IF EXISTS vault_keys_refuse_shredded ON vault_keys""",
    """CREATE TRIGGER vault_keys_refuse_shredded BEFORE INSERT OR UPDATE ON vault_keys
    FOR EACH ROW EXECUTE FUNCTION vault_refuse_shredded()""",
)
assert SHREDDED_MARK in _KEY_TRIGGER[0]


class PostgresKeyStore(SQLKeyStore):
    """The vault's :class:`~gdprcrm.vault.KeyStore` in PostgreSQL tables.

    The statements are those of :mod:`gdprcrm.vault.sql_keystore`; here are only the
    transactions (each operation is a short transaction of its own, or a savepoint when
    the storage shares one connection and a unit of work is open on it) and a
    transaction-scoped advisory lock per subject, taken by ``put`` and ``shred`` alike,
    so that a key written concurrently with a shred either commits first (and is
    destroyed by it) or sees the tombstone (and is refused).

    A shred is one committed transaction (durable with the server's default
    ``synchronous_commit``). PostgreSQL keeps deleted rows on disk until VACUUM reclaims
    them; those rows hold only *wrapped* keys, and a tombstone refuses their return.
    Run VACUUM regularly to reclaim them.
    """

    what = "key store"

    def __init__(self, connections: _Connections) -> None:
        self._connections = connections

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Run]:
        with _Tx(self._connections) as run:
            yield run

    def _lock_subject(self, run: Run, subject_id: SubjectId) -> None:
        run("SELECT pg_advisory_xact_lock(hashtext(?))", (subject_id.bytes.hex(),))

    def _lock_subjects(self, run: Run, subject_ids: Sequence[SubjectId]) -> None:
        # One round trip for a batch: the same locks as _lock_subject, taken in the order
        # of the ids' bytes (a function scan of unnest emits the array in order).
        keys = sorted(sid.bytes.hex() for sid in subject_ids)
        run("SELECT pg_advisory_xact_lock(hashtext(h)) FROM unnest(?::text[]) AS t(h)", (keys,))

    def in_caller_transaction(self) -> bool:
        return self._connections.shared_in_transaction()

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

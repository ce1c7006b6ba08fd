"""What only the PostgreSQL adapter does: connection modes, schema, two processes racing."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import attrs
import pytest

from gdprcrm import errors
from gdprcrm.model import AuditEntry, SubjectId
from gdprcrm.testing.builders import build_subject
from gdprcrm.testing.conformance import T0
from tests.conftest import fresh_schema

psycopg = pytest.importorskip("psycopg")
pgsql = pytest.importorskip("psycopg.sql")

from gdprcrm.storage._sql import SCHEMA_VERSION  # noqa: E402
from gdprcrm.storage.postgres import PostgresStorage  # noqa: E402 - after the importorskip


def test_a_database_newer_than_the_code_is_refused(postgres_dsn: str) -> None:
    schema = fresh_schema()
    PostgresStorage(postgres_dsn, schema=schema).close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(
            pgsql.SQL("UPDATE {}.gdprcrm_meta SET value = %s").format(pgsql.Identifier(schema)),
            (str(SCHEMA_VERSION + 1),),
        )
    with pytest.raises(errors.SchemaTooNew):
        PostgresStorage(postgres_dsn, schema=schema)


def test_an_unreachable_server_gives_a_typed_error() -> None:
    with pytest.raises(errors.OperationalError):
        PostgresStorage("host=127.0.0.1 port=1 dbname=nope connect_timeout=2")


def test_give_exactly_one_connection_source(postgres_dsn: str) -> None:
    with pytest.raises(errors.InvalidInput):
        PostgresStorage()


def test_an_existing_connection_with_the_key_store_nested_in_a_unit(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as conn:
        storage = PostgresStorage(connection=conn, schema=fresh_schema())
        keys = storage.key_store()
        subject = build_subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(subject)
            keys.shred(subject.id, T0)  # inside the unit: a savepoint, not a commit
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.get(subject.id) == subject
        assert keys.tombstone(subject.id) is not None
        storage.close()


class _TinyPool:
    """The psycopg_pool interface the adapter uses: getconn() and putconn()."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.idle: list[Any] = []
        self.made: list[Any] = []
        self.lock = threading.Lock()

    def getconn(self) -> Any:
        with self.lock:
            if self.idle:
                return self.idle.pop()
        conn = psycopg.connect(self.dsn)
        self.made.append(conn)
        return conn

    def putconn(self, conn: Any) -> None:
        with self.lock:
            self.idle.append(conn)

    def close(self) -> None:
        for conn in self.made:
            conn.close()


def test_a_pool(postgres_dsn: str) -> None:
    pool = _TinyPool(postgres_dsn)
    storage = PostgresStorage(pool=pool, schema=fresh_schema())
    subject = build_subject()
    with storage.unit_of_work() as uow:
        uow.subjects.add(subject)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.subjects.count() == 1
    storage.close()
    pool.close()
    assert pool.made, "the pool was used"


def _racer(dsn: str, schema: str, sid_text: str, name: str, rounds: int) -> None:
    storage = PostgresStorage(dsn, schema=schema)
    sid = SubjectId.parse(sid_text)
    for n in range(rounds):
        with storage.unit_of_work() as uow:
            current = uow.subjects.get_for_update(sid)
            uow.subjects.update(attrs.evolve(current, purposes=current.purposes | {f"{name}-{n}"}))
            head = uow.audit.head()
            seq = 0 if head is None else head.sequence + 1
            uow.audit.append(AuditEntry(seq, T0, "system", "race", sid))
            uow.commit()
    storage.close()


def test_two_processes_racing_lose_no_update_and_no_sequence_number(postgres_dsn: str) -> None:
    schema = fresh_schema()
    storage = PostgresStorage(postgres_dsn, schema=schema)
    subject = build_subject(purposes=[])
    with storage.unit_of_work() as uow:
        uow.subjects.add(subject)
        uow.commit()
    context = multiprocessing.get_context("spawn")
    procs = [
        context.Process(target=_racer, args=(postgres_dsn, schema, str(subject.id), name, 25))
        for name in ("a", "b")
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    with storage.unit_of_work() as uow:
        purposes = uow.subjects.get(subject.id).purposes
        sequences = [e.sequence for e in uow.audit.range(0)]
    storage.close()
    assert purposes == {f"{name}-{n}" for name in ("a", "b") for n in range(25)}
    assert sequences == list(range(50))


def test_the_tombstone_check_is_bound_to_its_own_schema(postgres_dsn: str) -> None:
    # Two tenants in two schemas: a key inserted into tenant A's table from a session whose
    # search path points at tenant B must still meet A's tombstones (it used to read B's).
    from gdprcrm.testing.conformance._support import _wrapped

    a, b = fresh_schema(), fresh_schema()
    tenant_a = PostgresStorage(postgres_dsn, schema=a)
    tenant_b = PostgresStorage(postgres_dsn, schema=b)
    sid = SubjectId.new()
    tenant_a.key_store().put(_wrapped(sid, 1))
    tenant_a.key_store().shred(sid, T0)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(b)))
        with pytest.raises(psycopg.errors.RaiseException, match="shredded"):
            conn.execute(
                pgsql.SQL("INSERT INTO {}.vault_keys VALUES (%s, 1, 'k', %s, %s, %s)").format(
                    pgsql.Identifier(a)
                ),
                (sid.bytes, b"\x01" * 60, b"\x01" * 8, T0.isoformat()),
            )
        version = conn.execute(
            pgsql.SQL("SELECT value FROM {}.vault_meta").format(pgsql.Identifier(a))
        ).fetchone()
    assert version == ("2",)
    tenant_a.close()
    tenant_b.close()


def test_a_key_rolled_back_with_the_unit_is_not_used_again(postgres_dsn: str) -> None:
    # One shared connection: the key store nests in the unit's transaction. A first
    # encrypt inside a unit that then rolls back loses its key row; the vault must not
    # keep using that key from its cache, or the retry writes data no restart can read.
    from gdprcrm.signing import CertificateSigner
    from gdprcrm.vault import InMemoryKekSource, KeyVault

    schema = fresh_schema()
    kek = InMemoryKekSource()
    signer = CertificateSigner.generate("dpo")
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        storage = PostgresStorage(connection=conn, schema=schema)
        vault = KeyVault(storage.key_store(), kek, signer=signer)
        sid = SubjectId.new()

        def failing_unit() -> None:
            with storage.unit_of_work() as uow:
                uow.subjects.add(build_subject(id=sid))
                vault.encrypt(sid, "email", "first try")  # the key is written in the unit
                raise RuntimeError("a transient failure: the unit rolls back")

        with pytest.raises(RuntimeError):
            failing_unit()
        retried = vault.encrypt(sid, "email", "lea@example.fr")
        storage.close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        restarted = PostgresStorage(connection=conn, schema=schema)
        fresh = KeyVault(restarted.key_store(), kek, signer=signer)
        assert fresh.decrypt(sid, "email", retried) == "lea@example.fr"
        restarted.close()


def test_keys_can_live_in_another_database(postgres_dsn: str) -> None:
    # Issue: with the keys beside the data, a data backup is also a key backup. With
    # key_dsn, the data database holds no key at all.
    from gdprcrm.signing import CertificateSigner
    from gdprcrm.vault import InMemoryKekSource, KeyVault

    key_dsn = postgres_dsn.replace("dbname=test", "dbname=postgres")
    if key_dsn == postgres_dsn:
        pytest.skip("needs the default DSN (dbname=test) to point the keys elsewhere")
    schema = fresh_schema()
    storage = PostgresStorage(postgres_dsn, schema=schema, key_dsn=key_dsn)
    vault = KeyVault(
        storage.key_store(), InMemoryKekSource(), signer=CertificateSigner.generate("d")
    )
    sid = SubjectId.new()
    envelope = vault.encrypt(sid, "email", "lea@example.fr")
    assert vault.decrypt(sid, "email", envelope) == "lea@example.fr"
    assert vault.shred(sid).destroyed
    storage.close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        here = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name LIKE 'vault_%%'",
            (schema,),
        ).fetchone()
    with psycopg.connect(key_dsn, autocommit=True) as conn:
        there = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name LIKE 'vault_%%'",
            (schema,),
        ).fetchone()
        conn.execute(pgsql.SQL("DROP SCHEMA {} CASCADE").format(pgsql.Identifier(schema)))
    assert here == (0,)
    assert there == (4,)  # keys, tombstones, secrets, meta

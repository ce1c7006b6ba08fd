"""Restores with records and legal holds (Art. 17, 32(1)(c)), on SQLite and PostgreSQL:
after the data store, the key store or both come back from last night's backup, what
an erasure or a record deletion destroyed stays unreadable, and an erasure a restored
store forgot is carried out again on opening."""

from __future__ import annotations

import abc
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from gdprcrm.errors import ScopeErased
from gdprcrm.examples import lumiere
from gdprcrm.model import PersonalField, Record, RecordId, SubjectId, SubjectStatus
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage.postgres import PostgresStorage
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import InMemoryKekSource, KeyFileKekSource, KeyVault
from tests.conftest import fresh_schema

CUSTOMER = {
    "email": "lea.martin@example.fr",
    "name": "Léa Martin",
    "postal_address": "3 rue des Lilas, 69003 Lyon",
}
SIGNER = CertificateSigner.generate("restore-tests")
AUDIT_KEY = b"restore tests: an audit key of 32+ bytes"


class Stores(abc.ABC):
    """One deployment: open it, back up and restore each store."""

    clock: FrozenClock

    @abc.abstractmethod
    def open(self) -> Controller: ...

    @abc.abstractmethod
    def backup(self) -> None:
        """Last night's backup of both stores."""

    @abc.abstractmethod
    def restore_data(self) -> None: ...

    @abc.abstractmethod
    def restore_keys(self) -> None: ...


class SQLiteStores(Stores):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.clock = FrozenClock()
        self.restored = False

    def open(self) -> Controller:
        restored, self.restored = self.restored, False
        return Controller.open(
            self.folder / "crm.db",
            lumiere.declarations(),
            kek=KeyFileKekSource.open_or_create(self.folder / "kek.key"),
            signer=SIGNER,
            clock=self.clock,
            audit_key=AUDIT_KEY,
            restored=restored,  # the operator says so after restoring the data store
        )

    def backup(self) -> None:
        for name in ("crm.db", "crm.db.keys.db"):
            with (
                sqlite3.connect(self.folder / name) as src,
                sqlite3.connect(self.folder / f"{name}.bak") as dst,
            ):
                src.backup(dst)

    def _restore(self, name: str) -> None:
        target = self.folder / name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        target.write_bytes((self.folder / f"{name}.bak").read_bytes())

    def restore_data(self) -> None:
        self._restore("crm.db")
        self.restored = True

    def restore_keys(self) -> None:
        self._restore("crm.db.keys.db")


class PostgresStores(Stores):
    """Data and keys in two schemas (as in two databases), backed up table by table."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.data, self.keys = fresh_schema(), fresh_schema()
        self.clock = FrozenClock()
        self.kek = InMemoryKekSource()

    def open(self) -> Controller:
        storage = PostgresStorage(
            self.dsn, schema=self.data, key_dsn=self.dsn, key_schema=self.keys
        )
        vault = KeyVault(storage.key_store(), self.kek, signer=SIGNER, clock=self.clock)
        crm = Controller(
            storage, vault, lumiere.declarations(), clock=self.clock, audit_key=AUDIT_KEY
        )
        crm.reconcile()  # what Controller.open and the CLI do on opening
        return crm

    def _tables(self, conn: psycopg.Connection, schema: str) -> list[str]:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
        return [r[0] for r in rows]

    def backup(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for schema in (self.data, self.keys):
                bak = schema + "_bak"
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(bak)))
                for table in self._tables(conn, schema):
                    conn.execute(
                        sql.SQL("CREATE TABLE {}.{} AS TABLE {}.{}").format(
                            sql.Identifier(bak),
                            sql.Identifier(table),
                            sql.Identifier(schema),
                            sql.Identifier(table),
                        )
                    )

    def _restore(self, schema: str) -> None:
        bak = schema + "_bak"
        with psycopg.connect(self.dsn) as conn:
            tables = self._tables(conn, schema)
            conn.execute(
                sql.SQL("TRUNCATE {} CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(schema, t) for t in tables)
                )
            )
            ordered = sorted(tables, key=lambda t: (t != "gdprcrm_subjects", t))
            for table in ordered:  # the subjects first: the others refer to them
                conn.execute(
                    sql.SQL("INSERT INTO {}.{} SELECT * FROM {}.{}").format(
                        sql.Identifier(schema),
                        sql.Identifier(table),
                        sql.Identifier(bak),
                        sql.Identifier(table),
                    )
                )

    def restore_data(self) -> None:
        self._restore(self.data)

    def restore_keys(self) -> None:
        self._restore(self.keys)


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "sqlite":
        yield SQLiteStores(tmp_path)
    else:
        yield PostgresStores(request.getfixturevalue("postgres_dsn"))


def _customer_with_records(crm: Controller) -> tuple[SubjectId, RecordId, RecordId]:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=["customer-relationship", "invoicing"])
    order = crm.add_record(sid, "order", {"reference": "C-9"})
    invoice = crm.add_record(sid, "invoice", {"number": "F-1"})
    return sid, order, invoice


def _copies(crm: Controller, sid: SubjectId) -> tuple[dict[str, PersonalField], list[Record]]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return {f.name: f for f in uow.subjects.fields(sid)}, uow.records.for_subject(sid)


def _open_record(crm: Controller, r: Record) -> str | bytes:
    return crm.vault.decrypt(r.subject_id, f"record.{r.kind}", r.ciphertext, r.id.value)


def test_a_restored_key_store_cannot_read_a_deleted_record(stores: Stores) -> None:
    crm = stores.open()
    sid, order, invoice = _customer_with_records(crm)
    _, records = _copies(crm, sid)
    crm.close()
    stores.backup()
    crm = stores.open()
    crm.delete_record(order)
    crm.close()
    stores.restore_keys()  # the order's key is back in the key store...
    crm = stores.open()  # ...until the data store's tombstones are replayed on opening
    by_id = {r.id: r for r in records}
    with pytest.raises(ScopeErased):
        _open_record(crm, by_id[order])
    assert _open_record(crm, by_id[invoice]) == '{"number":"F-1"}'
    crm.close()


def test_a_restored_data_store_deletes_a_deleted_record_again(stores: Stores) -> None:
    crm = stores.open()
    sid, order, invoice = _customer_with_records(crm)
    crm.close()
    stores.backup()
    crm = stores.open()
    crm.delete_record(order)
    crm.close()
    stores.restore_data()  # the order's row is back
    crm = stores.open()
    assert [r.id for r in crm.records(sid)] == [invoice]
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert "record.erased-again" in [e.action for e in uow.audit.range(0)]
    crm.close()


def test_a_restored_data_store_resumes_an_erasure_it_forgot(stores: Stores) -> None:
    # An erasure with held invoices: the e-mail's scope is destroyed, name and invoice
    # held. The data store comes back from before the erasure: the subject is active
    # again there; the key store's marker says the erasure started, so it starts again.
    crm = stores.open()
    sid, _order, invoice = _customer_with_records(crm)
    fields, _ = _copies(crm, sid)
    crm.close()
    stores.backup()
    crm = stores.open()
    assert not crm.erase(sid).completed
    crm.close()
    stores.restore_data()
    crm = stores.open()
    with crm.storage.unit_of_work(read_only=True) as uow:
        (reconciled,) = [e for e in uow.audit.range(0) if e.action == "storage.reconciled"]
    assert dict(reconciled.details)["erasures_resumed"] == 1
    assert crm.subject(sid).status is SubjectStatus.ERASURE_PENDING
    assert set(crm.values(sid)) == {"name", "postal_address"}  # held for invoicing
    assert [r.id for r in crm.records(sid)] == [invoice]
    assert crm.find_subject(email=CUSTOMER["email"]) == []  # its index went again
    with pytest.raises(ScopeErased):
        crm.vault.decrypt(sid, "email", fields["email"].ciphertext)
    assert crm.reconcile().changed is False  # once is enough
    crm.close()


def test_a_restored_key_store_cannot_read_what_a_held_erasure_destroyed(stores: Stores) -> None:
    crm = stores.open()
    sid, order, _invoice = _customer_with_records(crm)
    fields, records = _copies(crm, sid)
    crm.close()
    stores.backup()
    crm = stores.open()
    assert not crm.erase(sid).completed
    crm.close()
    stores.restore_keys()
    crm = stores.open()
    with pytest.raises(ScopeErased):
        crm.vault.decrypt(sid, "email", fields["email"].ciphertext)
    with pytest.raises(ScopeErased):
        _open_record(crm, next(r for r in records if r.id == order))
    assert crm.vault.decrypt(sid, "name", fields["name"].ciphertext) == CUSTOMER["name"]
    crm.close()

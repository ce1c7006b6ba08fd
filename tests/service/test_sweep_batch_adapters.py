"""The sweep's set-based batches on every adapter (memory, SQLite, PostgreSQL): more
people than one batch and one ``IN (...)`` list, mixed with people the batch must leave
to the slow path; every erasure complete, the trail in order and intact."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import ScopeErased
from gdprcrm.model import RequestKind, SubjectStatus
from gdprcrm.service import Controller, SweepResult, sweep_batch, sweep_records
from gdprcrm.storage._sql import IN_CHUNK
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import T0, FrozenClock, make_controller
from tests.service.test_sweep_batch import THREE_YEARS_AND_A_DAY


@pytest.fixture(autouse=True)
def _batch_over_two_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches just larger than one ``IN (...)`` list (each batch's statements run in
    two chunks on SQL), and smaller than the production size, to keep these tests
    quick."""
    monkeypatch.setattr(sweep_batch, "BATCH", IN_CHUNK + 100)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    make: Callable[[], Storage]
    if request.param == "memory":
        make = MemoryStorage
    elif request.param == "sqlite":
        make = lambda: SQLiteStorage(tmp_path / "crm.db")  # noqa: E731
    else:
        from gdprcrm.storage.postgres import PostgresStorage
        from tests.conftest import fresh_schema

        dsn = request.getfixturevalue("postgres_dsn")
        make = lambda: PostgresStorage(dsn, schema=fresh_schema())  # noqa: E731
    made = make()
    yield made
    made.close()


def _two_sweeps_at_once(crm: Controller) -> list[SweepResult]:
    """Two workers sweep at once (two threads, each unit on its own connection); both
    must finish, without an error."""
    results: list[SweepResult] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(crm.sweep())
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "two sweeps at once hung"
    assert failures == []
    return results


def test_batches_larger_than_one_statement_erase_everyone_due(storage: Storage) -> None:
    clock = FrozenClock()
    crm: Controller = make_controller(clock=clock, storage=storage)
    count = sweep_batch.BATCH + 20  # two batches; the first over one IN (...) list
    prospects = [
        crm.add_subject({"email": f"p{i}@example.fr"}, "FR", purposes=["newsletter"])
        for i in range(count)
    ]
    asking = crm.add_subject({"email": "ask@example.fr"}, "FR", purposes=["newsletter"])
    crm.receive_request(asking, RequestKind.ACCESS)  # Art. 15: waits for the answer
    customer = crm.add_subject(
        {"email": "c@example.fr", "name": "C", "invoices": "F-1"},
        "FR",
        purposes=["newsletter", "invoicing"],
    )
    clock.advance(THREE_YEARS_AND_A_DAY)
    result = crm.sweep()
    assert result.erasures_completed == count
    assert result.deferred == 1
    assert {crm.subject(s).status for s in prospects} == {SubjectStatus.ERASED}
    assert crm.subject(asking).status is SubjectStatus.ACTIVE
    kept = crm.subject(customer)  # the slow path: only the newsletter went
    assert kept.status is SubjectStatus.ACTIVE
    assert kept.purposes == {"invoicing"}
    with crm.storage.unit_of_work(read_only=True) as uow:
        stones = {t.subject_id for t in uow.tombstones.all()}
        trail = uow.audit.range()
    assert set(prospects) <= stones  # the data store's copy of every key-store tombstone
    assert set(prospects) <= {t.subject_id for t in storage.key_store().tombstones()}
    for sid in prospects[:: sweep_batch.BATCH // 4]:  # each person's trail in order
        actions = [e.action for e in trail if e.subject_id == sid]
        assert actions[-2:] == ["retention.erased", "subject.erased"]
        assert len(crm.notifications(sid)) == 1  # Art. 19: the newsletter's mailer
    assert crm.verify_audit().ok
    assert crm.sweep().erasures_completed == 0  # nothing left to do, nothing done twice
    crm.close()


def test_two_sweeps_at_once_erase_each_person_once(storage: Storage) -> None:
    # Two workers sweep the same due list at the same time (two threads, each unit on
    # its own connection): the batches lock their people in id order, so one waits for
    # the other and then finds them erased; no deadlock, one erasure per person.
    clock = FrozenClock()
    crm: Controller = make_controller(clock=clock, storage=storage)
    people = [
        crm.add_subject({"email": f"p{i}@example.fr"}, "FR", purposes=["newsletter"])
        for i in range(sweep_batch.BATCH + 100)
    ]
    clock.advance(THREE_YEARS_AND_A_DAY)
    results = _two_sweeps_at_once(crm)
    assert sum(r.erasures_completed for r in results) == len(people)
    with crm.storage.unit_of_work(read_only=True) as uow:
        erased = [e.subject_id for e in uow.audit.range() if e.action == "subject.erased"]
    assert sorted(erased, key=str) == sorted(people, key=str)  # each person once
    assert {crm.subject(s).status for s in people} == {SubjectStatus.ERASED}
    assert crm.verify_audit().ok
    crm.close()


def test_partial_expiries_over_two_batches_keep_what_another_purpose_needs(
    storage: Storage,
) -> None:
    # Customers whose newsletter ran out while invoicing keeps them: their newsletter
    # values go in batches (one unit and one key-store transaction per batch), the
    # invoices stay, and no earlier copy of the data store can read what went.
    clock = FrozenClock()
    crm: Controller = make_controller(clock=clock, storage=storage)
    count = sweep_batch.BATCH + 20
    customers = [
        crm.add_subject(
            {"email": f"c{i}@example.fr", "name": "C", "invoices": "F-1"},
            "FR",
            purposes=["newsletter", "invoicing"],
        )
        for i in range(count)
    ]
    with crm.storage.unit_of_work(read_only=True) as uow:
        backup = uow.subjects.fields_of(customers)
    clock.advance(THREE_YEARS_AND_A_DAY)
    result = crm.sweep()
    assert result.erased == count
    assert result.erasures_completed == 0
    for sid in customers[:: sweep_batch.BATCH // 4]:
        assert crm.subject(sid).purposes == {"invoicing"}
        assert crm.values(sid) == {"name": "C", "invoices": "F-1"}
        (copy,) = [f for f in backup[sid] if f.name == "email"]
        with pytest.raises(ScopeErased):  # yesterday's backup: the e-mail went for good
            crm.vault.decrypt(sid, "email", copy.ciphertext)
        assert len(crm.notifications(sid)) == 1  # Art. 19: the newsletter's mailer
    with crm.storage.unit_of_work(read_only=True) as uow:
        erased = [e.subject_id for e in uow.audit.range() if e.action == "retention.erased"]
        stones = len(uow.tombstones.all())
    assert sorted(erased, key=str) == sorted(customers, key=str)  # each person once
    assert stones == count  # one scope each (the newsletter-only values' group)
    assert crm.verify_audit().ok
    assert crm.sweep().erased == 0
    crm.close()


def test_two_sweeps_at_once_expire_two_due_purposes_each_once(storage: Storage) -> None:
    # Former customers whose newsletter and customer offers expire together go in
    # rounds, one purpose per batch; two sweeps racing through the rounds (and the slow
    # path for what one of them finds gone) expire each purpose once, in order.
    clock = FrozenClock()
    crm: Controller = make_controller(clock=clock, storage=storage)
    count = sweep_batch.BATCH + 20
    customers = []
    for i in range(count):
        sid = crm.add_subject(
            {
                "email": f"t{i}@example.fr",
                "name": "T",
                "phone": "+33 6 12 34 56 78",
                "invoices": "F-1",
            },
            "FR",
            purposes=["newsletter", "customer-offers", "invoicing"],
        )
        crm.end_relationship(sid)  # customer offers: three years from the end
        customers.append(sid)
    clock.advance(THREE_YEARS_AND_A_DAY)
    with crm.storage.unit_of_work(read_only=True) as uow:
        due = uow.retention.due_before(clock.now(), limit=10 * count)
    order = {sid: [e.purpose_id for e in due if e.subject_id == sid] for sid in customers}
    assert all(sorted(o) == ["customer-offers", "newsletter"] for o in order.values())
    results = _two_sweeps_at_once(crm)
    assert sum(r.erased for r in results) == 2 * count
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = uow.audit.range()
    erased = [(e.subject_id, e.purpose_id) for e in trail if e.action == "retention.erased"]
    assert len(erased) == len(set(erased)) == 2 * count  # each purpose of each once
    for sid in customers:  # in the slow path's order: the schedule's
        assert [p for s, p in erased if s == sid] == order[sid]
    for sid in customers[:: sweep_batch.BATCH // 4]:
        assert crm.subject(sid).purposes == {"invoicing"}
        assert crm.values(sid) == {"name": "T", "invoices": "F-1"}
    assert crm.verify_audit().ok
    assert crm.sweep().erased == 0
    crm.close()


def test_two_sweeps_at_once_erase_each_record_once(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A year's invoices fall due on one day and two workers sweep at once: each batch
    # locks its people and reads their records again under the locks, so each record
    # goes once, with one entry and one certificate per person.
    monkeypatch.setattr(sweep_records, "BATCH", 25)
    clock = FrozenClock()
    crm: Controller = make_controller(clock=clock, storage=storage)
    people = []
    for i in range(60):
        sid = crm.add_subject(
            {"email": f"c{i}@example.fr", "name": "C"},
            "FR",
            purposes=["customer-relationship", "invoicing"],
        )
        crm.add_record(sid, "invoice", {"number": f"F-{i}", "amount": "1.00"})
        people.append(sid)
    clock.set(T0 + relativedelta(years=11))
    # Both workers have read the due records before either erases any: the race.
    both_read = threading.Barrier(2, timeout=60)
    first_batch = sweep_records._batch
    started: set[int] = set()

    def batch(*args: Any) -> tuple[int, int]:
        if threading.get_ident() not in started:
            started.add(threading.get_ident())
            both_read.wait()
        return first_batch(*args)

    monkeypatch.setattr(sweep_records, "_batch", batch)
    results = _two_sweeps_at_once(crm)
    assert sum(r.records_erased for r in results) == len(people)
    with crm.storage.unit_of_work(read_only=True) as uow:
        said = [e.subject_id for e in uow.audit.range() if e.action == "retention.records-erased"]
        assert all(uow.records.for_subject(sid) == [] for sid in people)
    assert sorted(map(str, said)) == sorted(map(str, people))  # each person once
    assert crm.verify_audit().ok
    crm.close()

"""The sweep's expired records in batches (Art. 5(1)(e), 17): each person's records that
ran out are deleted and their key scopes destroyed, in one unit of work and one
key-store transaction per batch, with the outcome each person would get alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprcrm.errors import ScopeErased, SubjectErased
from gdprcrm.model import Record, RequestKind, SubjectId
from gdprcrm.service import Controller, sweep_records
from gdprcrm.testing import T0, FrozenClock, make_controller
from tests.service.test_sweep_expiry import trail_of

CUSTOMER = {"email": "c@example.fr", "name": "C"}
PURPOSES = ["customer-relationship", "invoicing"]
ELEVEN_YEARS = relativedelta(years=11)  # every invoice and order of the first year is due


def _invoice(crm: Controller, n: int) -> SubjectId:
    sid = crm.add_subject({**CUSTOMER, "email": f"i{n}@example.fr"}, "FR", purposes=PURPOSES)
    crm.add_record(sid, "invoice", {"number": f"F-{n}", "amount": "10.00"})
    return sid


def _two_invoices_and_an_order(crm: Controller, n: int) -> SubjectId:
    sid = _invoice(crm, n)
    crm.add_record(sid, "invoice", {"number": f"F-{n}b", "amount": "20.00"})
    crm.add_record(sid, "order", {"reference": f"C-{n}"})
    return sid


def _asking(crm: Controller, n: int) -> SubjectId:
    sid = _invoice(crm, n)
    crm.receive_request(sid, RequestKind.ACCESS)  # Art. 15: the records wait for the answer
    return sid


def _erased(crm: Controller, n: int) -> SubjectId:
    """Erased while an invoice was held (Art. 17(3)(b)): it goes at its own end."""
    sid = _invoice(crm, n)
    crm.erase(sid)
    return sid


def _a_late_order(crm: Controller, n: int) -> SubjectId:
    """An invoice due, and an order dated years later (due in 2038): it stays."""
    sid = _invoice(crm, n)
    crm.add_record(sid, "order", {"reference": f"L-{n}"}, dated=T0 + relativedelta(years=7))
    return sid


def _no_record(crm: Controller, n: int) -> SubjectId:
    return crm.add_subject({**CUSTOMER, "email": f"n{n}@example.fr"}, "FR", purposes=PURPOSES)


KINDS: dict[str, Callable[[Controller, int], SubjectId]] = {
    "invoice": _invoice,
    "two-invoices-and-an-order": _two_invoices_and_an_order,
    "asking": _asking,
    "erased": _erased,
    "no-record": _no_record,
    "a-late-order": _a_late_order,
}


def _outcome(crm: Controller, people: list[SubjectId]) -> list[Any]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = uow.audit.range(0)
        stones = len(uow.tombstones.all())
        records = {sid: sorted(r.kind for r in uow.records.for_subject(sid)) for sid in people}
    assert crm.verify_audit().ok
    return [
        stones,
        len(list(crm.vault.export_tombstones())),
        *(
            (
                crm.subject(sid).status,
                records[sid],
                trail_of(trail, sid),
            )
            for sid in people
        ),
    ]


def _run(kinds: list[str], batch: int) -> tuple[Any, list[Any]]:
    clock = FrozenClock()
    crm = make_controller(clock=clock)
    people = [KINDS[kind](crm, n) for n, kind in enumerate(kinds)]
    clock.set(T0 + ELEVEN_YEARS)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sweep_records, "BATCH", batch)
        result = crm.sweep()
    assert crm.sweep().records_erased == 0  # nothing left, nothing done twice
    return result, _outcome(crm, people)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=6), st.integers(2, 4))
def test_a_batch_ends_where_each_person_alone_ends(kinds: list[str], batch: int) -> None:
    # A batch of one is each person in a unit of their own (the path before batches).
    assert _run(kinds, batch) == _run(kinds, 1)


def _stored(crm: Controller, sid: SubjectId) -> list[Record]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return uow.records.for_subject(sid)


def test_a_batch_makes_every_expired_record_unreadable_in_every_copy(
    crm: Controller, clock: FrozenClock
) -> None:
    people = [_two_invoices_and_an_order(crm, n) for n in range(3)]
    asking = _asking(crm, 3)
    backup = {sid: _stored(crm, sid) for sid in [*people, asking]}
    clock.set(T0 + ELEVEN_YEARS)
    result = crm.sweep()
    assert result.records_erased == 9
    assert result.deferred == 2  # the asker's records, and the asker's invoicing purpose
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = uow.audit.range(0)
    for sid in people:
        assert _stored(crm, sid) == []
        for copy in backup[sid]:
            with pytest.raises(ScopeErased):
                crm.vault.decrypt(sid, f"record.{copy.kind}", copy.ciphertext, copy.id.value)
        (entry,) = [
            e for e in trail if e.subject_id == sid and e.action.endswith("records-erased")
        ]
        details = dict(entry.details)
        assert details["records"] == 3
        assert details["kind"] is None  # several kinds: none named
        assert details["certificate"] is not None
    with crm.storage.unit_of_work(read_only=True) as uow:  # the data store's copy (restores)
        stones = {t.subject_id.value for t in uow.tombstones.all()}
    assert {r.id.value for sid in people for r in backup[sid]} <= stones
    assert [r.id for r in _stored(crm, asking)] == [r.id for r in backup[asking]]  # frozen
    (copy,) = backup[asking]
    assert crm.vault.decrypt(asking, "record.invoice", copy.ciphertext, copy.id.value)
    assert crm.verify_audit().ok


def test_a_crash_after_the_scopes_went_is_finished_by_the_next_sweep(
    crm: Controller, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [_invoice(crm, n) for n in range(3)]
    clock.set(T0 + ELEVEN_YEARS)

    def crash(*args: Any) -> None:
        raise RuntimeError("power cut")  # the batch's unit never commits

    with monkeypatch.context() as patched:
        patched.setattr(sweep_records, "erased_details", crash)
        with pytest.raises(RuntimeError):
            crm.sweep()
    assert all(len(_stored(crm, sid)) == 1 for sid in people)  # the rows are still there
    copies = {sid: _stored(crm, sid)[0] for sid in people}
    for sid, copy in copies.items():  # but their keys went first
        with pytest.raises((ScopeErased, SubjectErased)):
            crm.vault.decrypt(sid, "record.invoice", copy.ciphertext, copy.id.value)
    assert crm.sweep().records_erased == 3  # the next run deletes them, shreds harmlessly
    with crm.storage.unit_of_work(read_only=True) as uow:
        said = [e.subject_id for e in uow.audit.range(0) if e.action.endswith("records-erased")]
    assert sorted(map(str, said)) == sorted(map(str, people))  # once each
    assert all(_stored(crm, sid) == [] for sid in people)
    assert crm.verify_audit().ok


def test_records_of_one_year_fall_due_together_and_go_in_batches(
    crm: Controller, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep_records, "BATCH", 4)
    people = [_invoice(crm, n) for n in range(10)]  # three batches
    clock.set(T0 + ELEVEN_YEARS - timedelta(days=365 * 2))
    assert crm.sweep().records_erased == 0  # not yet: ten years from the year's close
    clock.set(T0 + ELEVEN_YEARS)
    assert crm.sweep().records_erased == 10
    assert all(_stored(crm, sid) == [] for sid in people)

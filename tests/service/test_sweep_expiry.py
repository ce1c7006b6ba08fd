"""The sweep's batched partial expiries (Art. 5(1)(e), 17(1)(a), 19): people one of
whose purposes ran out while another keeps them lose that purpose's values in batches,
and end exactly where the slow path, person by person, leaves them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput, ScopeErased
from gdprcrm.model import (
    AuditEntry,
    Direction,
    InteractionKind,
    PersonalField,
    RequestKind,
    RestrictionGround,
    RetentionAction,
    RetentionDue,
    SubjectId,
)
from gdprcrm.service import Controller, sweep_expiry
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.vault.certificate import ErasureCertificate

THREE_YEARS_AND_A_DAY = timedelta(days=3 * 366 + 1)
CUSTOMER = {"email": "c@example.fr", "name": "C", "invoices": "F-1", "newsletter_clicks": "3"}


def _customer(crm: Controller, n: int) -> SubjectId:
    values = {**CUSTOMER, "email": f"c{n}@example.fr"}
    sid = crm.add_subject(values, "FR", purposes=["newsletter", "invoicing"])
    crm.give_consent(sid, "newsletter", channel="web-form")
    return sid


def _never_consented(crm: Controller, n: int) -> SubjectId:
    values = {**CUSTOMER, "email": f"n{n}@example.fr"}
    return crm.add_subject(values, "FR", purposes=["newsletter", "invoicing"])


def _asking(crm: Controller, n: int) -> SubjectId:
    sid = _customer(crm, n)
    crm.receive_request(sid, RequestKind.ACCESS)  # Art. 15: the sweep waits for the answer
    return sid


def _client(crm: Controller, n: int) -> SubjectId:
    values = {"email": f"r{n}@example.fr", "name": "R", "newsletter_clicks": "1"}
    sid = crm.add_subject(
        values, "FR", purposes=["newsletter", "customer-relationship"], birth_date=date(1990, 5, 1)
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    return sid


def _two_due(crm: Controller, n: int) -> SubjectId:
    values = {**CUSTOMER, "email": f"t{n}@example.fr", "phone": "+33 6 12 34 56 78"}
    sid = crm.add_subject(values, "FR", purposes=["newsletter", "customer-offers", "invoicing"])
    crm.give_consent(sid, "newsletter", channel="web-form")
    crm.end_relationship(sid)  # customer-offers: three years from the end, as the newsletter
    return sid


def _shared_scope(crm: Controller, n: int) -> SubjectId:
    """A kept value (the name) stored in one key scope with a doomed one (the clicks), as
    before a declarations change: the slow path must move it first."""
    sid = _customer(crm, n)
    _in_one_scope(crm, sid, {"name": "C", "newsletter_clicks": "3"})
    return sid


def _in_one_scope(crm: Controller, sid: SubjectId, values: dict[str, str]) -> None:
    """Store ``values`` again, all in one new key scope (as before a declarations
    change put them in groups of their own)."""
    shared = uuid.uuid4()
    now = crm.clock.now()
    with crm.storage.unit_of_work() as uow:
        uow.subjects.put_fields(
            [
                PersonalField(sid, name, crm.vault.encrypt_scoped(sid, shared, name, value), now)
                for name, value in values.items()
            ]
        )
        uow.commit()


def _two_due_shared_scope(crm: Controller, n: int) -> SubjectId:
    """Two purposes due at once, the first (customer-offers) declined by the batch: its
    doomed phone shares a key scope with the kept name. The slow path must take both,
    in order: the newsletter first would keep the e-mail customer-offers still needs."""
    sid = _two_due(crm, n)
    _in_one_scope(crm, sid, {"name": "T", "phone": "+33 6 12 34 56 78"})
    return sid


def _prospect(crm: Controller, n: int) -> SubjectId:
    sid = crm.add_subject({"email": f"p{n}@example.fr"}, "FR", purposes=["newsletter"])
    crm.give_consent(sid, "newsletter", channel="web-form")
    return sid


def _reviewed(crm: Controller, n: int) -> SubjectId:
    """Prospecting runs out into a human review (CNIL: one re-contact), not an erasure."""
    values = {"email": f"v{n}@example.fr", "name": "V", "invoices": "F-2"}
    return crm.add_subject(values, "FR", purposes=["prospecting", "invoicing"])


def _held_prospect(crm: Controller, n: int) -> SubjectId:
    """The newsletter only, kept for legal claims (Art. 17(3)(e)): expiring it leaves no
    purpose, and the person's erasure then holds what the claim needs."""
    sid = _prospect(crm, n)
    crm.restrict(sid, RestrictionGround.NEEDED_FOR_LEGAL_CLAIMS)
    return sid


def _stale(crm: Controller, n: int) -> SubjectId:
    """A customer whose newsletter period is due by the schedule, but who wrote in since
    (the anchor moved; :func:`_run` writes the stale entry): nothing goes, rescheduled."""
    return _customer(crm, n)


KINDS: dict[str, Callable[[Controller, int], SubjectId]] = {
    "customer": _customer,
    "never-consented": _never_consented,
    "asking": _asking,
    "client": _client,
    "two-due": _two_due,
    "two-due-shared-scope": _two_due_shared_scope,
    "shared-scope": _shared_scope,
    "prospect": _prospect,
    "held-prospect": _held_prospect,
    "reviewed": _reviewed,
    "stale": _stale,
}


def _write_in_and_keep_a_stale_entry(crm: Controller, sid: SubjectId) -> None:
    crm.record_interaction(
        sid,
        kind=InteractionKind.CONTACT,
        direction=Direction.INBOUND,
        purpose_id="newsletter",
        channel="email",
    )
    with crm.storage.unit_of_work() as uow:  # as a restore or a lost update would leave it
        uow.retention.clear(sid, "newsletter")
        stale = RetentionDue(sid, "newsletter", crm.clock.now(), RetentionAction.ERASE)
        uow.retention.schedule([stale])
        uow.commit()


@contextmanager
def _slow_path_only() -> Iterator[None]:
    with mock.patch.object(sweep_expiry, "expire_many", return_value=set()):
        yield


def _detail(value: Any) -> Any:
    """Opaque ids (certificates, requests) differ from run to run: whether there is one."""
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return value
    return "<id>"


def trail_of(trail: list[AuditEntry], sid: SubjectId) -> list[Any]:
    """The person's entries, opaque ids aside (two runs of one story compare equal)."""
    return [
        (e.action, e.purpose_id, {k: _detail(v) for k, v in e.details})
        for e in trail
        if e.subject_id == sid
    ]


def _outcome(crm: Controller, people: list[SubjectId]) -> list[Any]:
    """Everything the sweep decided about each person, ids of certificates aside."""
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = uow.audit.range(0)
        stones = [t.subject_id for t in uow.tombstones.all()]
        schedule = uow.retention.due_before(crm.clock.now() + timedelta(days=20 * 366), 10**6)
    assert crm.verify_audit().ok
    out: list[Any] = [len(stones), len(list(crm.vault.export_tombstones()))]
    for sid in people:
        subject = crm.subject(sid)
        out.append(
            (
                subject.status,
                sorted(subject.purposes),
                subject.birth_date,  # stored encrypted, never in the subject's own row
                sorted((e.purpose_id, e.due_at) for e in schedule if e.subject_id == sid),
                crm.values(sid) if subject.purposes else None,
                sorted((n.recipient_id, n.event.value) for n in crm.notifications(sid)),
                trail_of(trail, sid),
            )
        )
    return out


def _run(kinds: list[str], *, batched: bool) -> tuple[Any, Any, list[bool], list[Any]]:
    clock = FrozenClock()
    crm = make_controller(clock=clock)
    people = [KINDS[kind](crm, n) for n, kind in enumerate(kinds)]
    emails = [crm.values(sid)["email"] for sid in people]
    clock.advance(THREE_YEARS_AND_A_DAY)
    for sid, kind in zip(people, kinds, strict=True):
        if kind == "stale":
            _write_in_and_keep_a_stale_entry(crm, sid)
    if batched:
        result = crm.sweep()
    else:
        with _slow_path_only():
            result = crm.sweep()
    again = crm.sweep()  # nothing left to do, nothing done twice
    assert again.erased == again.erasures_completed == 0
    findable = [
        crm.find_subject(email=email) == [sid] for sid, email in zip(people, emails, strict=True)
    ]
    return result, again, findable, _outcome(crm, people)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=7))
def test_batched_expiries_end_where_the_slow_path_ends(kinds: list[str]) -> None:
    assert _run(kinds, batched=True) == _run(kinds, batched=False)


def test_each_kind_takes_the_path_it_should(monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[set[tuple[SubjectId, str]]] = []
    real = sweep_expiry.expire_many

    def spy(*args: Any) -> set[tuple[SubjectId, str]]:
        applied.append(real(*args))
        return applied[-1]

    monkeypatch.setattr(sweep_expiry, "expire_many", spy)
    clock = FrozenClock()
    crm = make_controller(clock=clock)
    people = {kind: make(crm, n) for n, (kind, make) in enumerate(KINDS.items())}
    clock.advance(THREE_YEARS_AND_A_DAY)
    _write_in_and_keep_a_stale_entry(crm, people["stale"])
    result = crm.sweep()
    batched = {sid for done in applied for sid, _ in done}
    # In the batch: a purpose due, another keeping the person, nothing unusual; two due
    # at once go one per round, in the slow path's order.
    assert batched == {people[k] for k in ("customer", "never-consented", "client", "two-due")}
    assert {p for done in applied for _, p in done} == {"newsletter", "customer-offers"}
    two_due = [p for done in applied for sid, p in done if sid == people["two-due"]]
    assert len(two_due) == 2
    assert sorted(two_due) == ["customer-offers", "newsletter"]
    assert crm.subject(people["two-due"]).purposes == {"invoicing"}
    # The first of two declined: both by the slow path, in order.
    assert people["two-due-shared-scope"] not in batched
    assert crm.subject(people["two-due-shared-scope"]).purposes == {"invoicing"}
    assert crm.values(people["two-due-shared-scope"]) == {"name": "T", "invoices": "F-1"}
    assert result.deferred == 1  # the open access request: the slow path defers it
    assert result.rescheduled == 1  # the stale entry: the slow path reschedules it
    assert result.flagged == 1  # prospecting: a review, not an erasure
    assert crm.subject(people["reviewed"]).purposes == {"prospecting", "invoicing"}
    with crm.storage.unit_of_work(read_only=True) as uow:
        reasons = {
            e.subject_id: dict(e.details).get("reason", "absent")
            for e in uow.audit.range(0)
            if e.action == "retention.erased"
        }
    assert reasons[people["never-consented"]] == "consent-never-given"  # Art. 6(1)(a)
    assert reasons[people["customer"]] is None
    assert reasons[people["prospect"]] is None  # the full erasure's batch says it too
    assert crm.subject(people["stale"]).purposes == {"newsletter", "invoicing"}
    assert crm.subject(people["shared-scope"]).purposes == {"invoicing"}  # slow: moved
    assert crm.values(people["shared-scope"]) == {"name": "C", "invoices": "F-1"}


def test_the_full_erasures_batch_says_when_a_consent_never_came(
    crm: Controller, clock: FrozenClock
) -> None:
    waited = crm.add_subject({"email": "w@example.fr"}, "FR", purposes=["newsletter"])
    clock.advance(THREE_YEARS_AND_A_DAY)
    assert crm.sweep().erasures_completed == 1
    with crm.storage.unit_of_work(read_only=True) as uow:
        (entry,) = [e for e in uow.audit.range(0) if e.action == "retention.erased"]
    assert entry.subject_id == waited
    assert dict(entry.details)["reason"] == "consent-never-given"  # Art. 6(1)(a)


def test_a_batch_makes_the_expired_values_unreadable_in_every_copy(
    crm: Controller, clock: FrozenClock
) -> None:
    people = [_customer(crm, n) for n in range(5)]
    with crm.storage.unit_of_work(read_only=True) as uow:
        backup = {sid: {f.name: f for f in uow.subjects.fields(sid)} for sid in people}
    clock.advance(THREE_YEARS_AND_A_DAY)
    assert crm.sweep().erased == 5
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = [e for e in uow.audit.range(0) if e.action == "retention.erased"]
    for sid in people:
        for gone in ("email", "newsletter_clicks"):  # only the newsletter used them
            copy = backup[sid][gone]
            with pytest.raises(ScopeErased):
                crm.vault.decrypt(sid, gone, copy.ciphertext)
        for kept in ("name", "invoices"):  # invoicing keeps them (Art. 17(3)(b))
            copy = backup[sid][kept]
            assert crm.vault.decrypt(sid, kept, copy.ciphertext) == CUSTOMER[kept]
        assert crm.values(sid) == {"name": "C", "invoices": "F-1"}
        assert crm.find_subject(email=f"c{people.index(sid)}@example.fr") == []  # Art. 17
        assert crm.subject(sid).purposes == {"invoicing"}
        (told,) = crm.notifications(sid)  # Art. 19: the newsletter's mailer
        assert told.recipient_id == "emailing-provider"
        (entry,) = [e for e in trail if e.subject_id == sid]
        assert entry.purpose_id == "newsletter"
        details = dict(entry.details)
        assert details["fields"] == 2
        assert details["certificate"] is not None


def test_the_slow_path_leaves_no_blind_index_of_an_expired_value_either(
    crm: Controller, clock: FrozenClock
) -> None:
    customer = _customer(crm, 0)
    client = _client(crm, 1)  # the contract keeps the e-mail: still findable
    clock.advance(THREE_YEARS_AND_A_DAY)
    with _slow_path_only():
        assert crm.sweep().erased == 2
    assert crm.find_subject(email="c0@example.fr") == []
    assert crm.find_subject(email="r1@example.fr") == [client]
    assert crm.values(customer) == {"name": "C", "invoices": "F-1"}


def test_a_crash_after_the_scopes_went_is_finished_by_the_next_sweep(
    crm: Controller, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [_customer(crm, n) for n in range(3)]
    clock.advance(THREE_YEARS_AND_A_DAY)
    certificates: list[ErasureCertificate | None] = []

    def crash(*args: Any) -> None:
        certificates.append(args[-1])
        raise RuntimeError("power cut")  # the batch's unit never commits

    with monkeypatch.context() as patched:
        patched.setattr(sweep_expiry, "expiry_details", crash)
        with pytest.raises(RuntimeError):
            crm.sweep()
    assert certificates
    assert certificates[0] is not None  # the keys went first
    assert all(crm.subject(sid).purposes == {"newsletter", "invoicing"} for sid in people)
    result = crm.sweep()  # the next run: the values go, the scopes are already gone
    assert result.erased == 3
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = [e for e in uow.audit.range(0) if e.action == "retention.erased"]
    assert sorted(str(e.subject_id) for e in trail) == sorted(map(str, people))  # once each
    assert all(crm.values(sid) == {"name": "C", "invoices": "F-1"} for sid in people)
    assert crm.verify_audit().ok


def test_shred_scopes_many_refuses_bad_requests_before_destroying_anything(
    crm: Controller,
) -> None:
    a, b = (_customer(crm, n) for n in range(2))
    with crm.storage.unit_of_work(read_only=True) as uow:
        scopes = {
            sid: {s for f in uow.subjects.fields(sid) if (s := crm.vault.scope_of(f.ciphertext))}
            for sid in (a, b)
        }
    one = next(iter(scopes[a]))
    for bad in ([(a, scopes[a]), (b, [])], [(a, [one]), (b, [one])], [(a, ["not a scope"])]):
        with pytest.raises(InvalidInput):
            crm.vault.shred_scopes_many(bad)  # type: ignore[arg-type]
    assert crm.values(a)["email"] == "c0@example.fr"  # nothing destroyed
    assert crm.vault.shred_scopes_many([]) == []
    done = crm.vault.shred_scopes_many([(a, scopes[a]), (b, scopes[b])])
    assert [c.subject_id for c, _ in done] == [a, b]  # one certificate each, in order
    for (certificate, stones), sid in zip(done, (a, b), strict=True):
        assert set(certificate.scopes) == {str(s) for s in scopes[sid]}
        assert {s.subject_id.value for s in stones} == scopes[sid]
        assert not certificate.already_shredded
        certificate.verify(crm.vault.signer.public_key)
    ((again, _),) = crm.vault.shred_scopes_many([(a, scopes[a])])
    assert again.already_shredded  # said, not done twice

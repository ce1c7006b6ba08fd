"""Consent before collection (Art. 6(1)(a), 5(1)(c), 5(1)(e), 7(1)): values collected for
a purpose resting on consent are kept with the consent given in the same act, or, while
it is awaited (a double opt-in), only the declared pending period."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.config import parse_declarations
from gdprcrm.errors import InvalidInput, PurposeLimitation, SubjectErased
from gdprcrm.examples import lumiere
from gdprcrm.model import ConsentGrant, PersonalField, Subject, SubjectId, SubjectStatus
from gdprcrm.policy import SubjectState
from gdprcrm.policy.retention import retention_due
from gdprcrm.service import Controller
from gdprcrm.testing import T0, FrozenClock, make_controller
from gdprcrm.testing import strategies as gst

LEA = {"email": "lea@example.fr", "name": "Léa"}
SEVEN_DAYS = timedelta(days=7)


def test_a_consent_given_with_the_form_is_recorded_in_the_same_act(crm: Controller) -> None:
    sid = crm.add_subject(
        LEA,
        "FR",
        purposes=["newsletter"],
        consents=[ConsentGrant("newsletter", "web-form", evidence={"form": "signup-v3"})],
    )
    (consent,) = crm.consents(sid)
    assert consent.given.at == crm.subject(sid).collected_at
    assert consent.evidence == {"form": "signup-v3"}
    assert consent.given.notice_version == crm.declarations.notices[-1].version
    assert crm.decide(sid, "newsletter").reasons[0].code != "consent-missing"
    with crm.storage.unit_of_work(read_only=True) as uow:
        actions = [e.action for e in uow.audit.range(0)]
    assert actions[-2:] == ["subject.added", "consent.given"]


def test_values_awaiting_a_consent_go_after_the_pending_period(
    crm: Controller, clock: FrozenClock
) -> None:
    # Art. 6(1)(a): storing is processing. A double opt-in never confirmed: erased.
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    copy = {f.name: f for f in _fields(crm, sid)}
    clock.advance(SEVEN_DAYS - timedelta(seconds=1))
    assert crm.sweep().erased == 0
    assert crm.values(sid) == LEA
    clock.advance(timedelta(seconds=1))
    assert crm.sweep().erasures_completed == 1
    assert crm.subject(sid).status is SubjectStatus.ERASED
    with pytest.raises(SubjectErased):
        crm.vault.decrypt(sid, "email", copy["email"].ciphertext)
    with crm.storage.unit_of_work(read_only=True) as uow:
        (expired,) = [e for e in uow.audit.range(0) if e.action == "retention.erased"]
    assert expired.purpose_id == "newsletter"


def test_a_consent_confirmed_in_time_keeps_the_values(crm: Controller, clock: FrozenClock) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    clock.advance(days=2)
    crm.give_consent(sid, "newsletter", channel="e-mail")  # the confirmation link
    clock.advance(days=30)
    crm.sweep()
    assert crm.values(sid) == LEA


def test_only_the_values_the_unconsented_purpose_alone_needs_go(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject(
        {**LEA, "newsletter_clicks": "3"}, "FR", purposes=["newsletter", "customer-relationship"]
    )
    clock.advance(SEVEN_DAYS)
    crm.sweep()
    assert crm.values(sid) == LEA  # the contract still needs e-mail and name
    assert crm.subject(sid).purposes == frozenset({"customer-relationship"})
    with crm.storage.unit_of_work(read_only=True) as uow:
        (expired,) = [e for e in uow.audit.range(0) if e.action == "retention.erased"]
    assert dict(expired.details)["reason"] == "consent-never-given"


def test_bad_consents_at_collection_are_refused_and_write_nothing(crm: Controller) -> None:
    cases: list[tuple[list[ConsentGrant], type[Exception]]] = [
        ([ConsentGrant("prospecting", "web-form")], PurposeLimitation),  # not collected for
        ([ConsentGrant("customer-relationship", "web-form")], InvalidInput),  # a contract
        ([ConsentGrant("newsletter", "web-form")] * 2, InvalidInput),  # twice
        ([ConsentGrant("newsletter", "Formulaire de Léa")], InvalidInput),  # free text
    ]
    for grants, error in cases:
        with pytest.raises(error):
            crm.add_subject(
                LEA, "FR", purposes=["newsletter", "customer-relationship"], consents=grants
            )
    assert crm.find_subject(email=LEA["email"]) == []
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert uow.subjects.count() == 0


def test_a_consent_for_a_purpose_not_collected_is_refused(crm: Controller) -> None:
    # Art. 5(1)(b): consent evidence for a purpose the person was not collected for.
    sid = crm.add_subject(LEA, "FR", purposes=["customer-relationship"])
    with pytest.raises(PurposeLimitation):
        crm.give_consent(sid, "newsletter", channel="web-form")
    assert crm.consents(sid) == []
    assert crm.subject(sid).purposes == frozenset({"customer-relationship"})


def test_a_consent_dated_before_the_collection_is_refused(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    with pytest.raises(InvalidInput, match="before"):
        crm.give_consent(sid, "newsletter", channel="web-form", at=T0 - timedelta(days=1))
    assert crm.consents(sid) == []


def test_the_pending_period_is_declared_short() -> None:
    data = _example()
    data["pending_consent_period"] = "P2D"
    assert parse_declarations(data).pending_consent == relativedelta(days=2)
    for bad in ("P31D", "P2M", "soon"):
        data["pending_consent_period"] = bad
        with pytest.raises(InvalidInput, match="pending_consent_period"):
            parse_declarations(data)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["consent", "withdraw", "wait", "sweep"]), max_size=8),
    st.integers(1, 40),
)
def test_no_reachable_state_keeps_unconsented_values_past_the_pending_period(
    steps: list[str], days: int
) -> None:
    # Art. 6(1)(a): whatever happens, after the pending period a sweep leaves no value
    # of a consent-only purpose for which no consent was ever given.
    clock = FrozenClock()
    crm = make_controller(clock=clock)
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    consented = False
    for step in steps:
        if crm.subject(sid).status is not SubjectStatus.ACTIVE:
            break
        if step == "consent":
            crm.give_consent(sid, "newsletter", channel="web-form")
            consented = True
        elif step == "withdraw":
            crm.withdraw_consent(sid, "newsletter", channel="web-form")
        elif step == "wait":
            clock.advance(days=days)
        else:
            crm.sweep()
    clock.advance(SEVEN_DAYS)
    crm.sweep()
    if not consented:
        assert crm.values(sid) == {}
        assert crm.subject(sid).status is SubjectStatus.ERASED


@given(gst.subjects(purpose_ids=["newsletter"]), st.integers(1, 30))
def test_the_pending_rule_is_the_declared_period_from_collection(
    subject: Subject, days: int
) -> None:
    purpose = lumiere.declarations().purpose("newsletter")
    pending = relativedelta(days=days)
    due = retention_due(SubjectState(subject), purpose, pending=pending)
    assert due == subject.collected_at + pending
    assert retention_due(SubjectState(subject), purpose) != due  # without it: 3 years


def _fields(crm: Controller, sid: SubjectId) -> list[PersonalField]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return uow.subjects.fields(sid)


def _example() -> dict[str, Any]:
    return tomllib.loads(lumiere.toml_path().read_text("utf-8"))


def test_a_refusal_is_recorded_counted_as_no_consent_and_respected(
    crm: Controller, clock: FrozenClock
) -> None:
    # Art. 7(1), 5(2): the controller can show it asked and was told no.
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter", "customer-relationship"])
    assert crm.may_ask_consent(sid, "newsletter")
    refusal = crm.refuse_consent(sid, "newsletter", channel="web-form")
    assert refusal.notice_version == crm.declarations.notices[-1].version
    assert crm.decide(sid, "newsletter").reasons[0].code == "consent-missing"
    assert not crm.may_ask_consent(sid, "newsletter")
    history = crm.access_report(sid)["consents"]
    assert [e["event"] for e in history] == ["refused"]
    assert crm.sweep().erased == 1  # nothing to wait for: the newsletter's values go
    assert crm.subject(sid).purposes == frozenset({"customer-relationship"})
    clock.advance(months=6)
    assert crm.may_ask_consent(sid, "newsletter")  # the declared delay has passed
    crm.add_purposes(sid, ["newsletter"])  # the person changed their mind: collect again
    crm.give_consent(sid, "newsletter", channel="web-form")
    assert crm.decide(sid, "newsletter").allowed is not None
    assert not crm.may_ask_consent(sid, "newsletter")  # one is in force
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert "consent.refused" in [e.action for e in uow.audit.range(0)]


def test_a_refusal_for_a_purpose_without_consent_is_refused(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["customer-relationship"])
    with pytest.raises(InvalidInput):
        crm.refuse_consent(sid, "customer-relationship", channel="web-form")
    with pytest.raises(InvalidInput):
        crm.refuse_consent(sid, "newsletter", channel="Une phrase libre")
    assert crm.consent_history(sid) == []


@pytest.mark.parametrize("consents", [None, 3, ConsentGrant("newsletter", "web-form")])
def test_consents_that_are_not_a_list_are_refused_before_anything_is_made(
    crm: Controller, consents: Any
) -> None:
    # Found by the hostile-input fuzzing: None reached list() and raised a TypeError.
    with crm.storage.unit_of_work(read_only=True) as uow:
        before = len(uow.audit.range())
    with pytest.raises(InvalidInput, match="consents"):
        crm.add_subject({"email": "lea@example.fr"}, "FR", ["newsletter"], consents=consents)
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert len(uow.audit.range()) == before
    assert crm.find_subject(email="lea@example.fr") == []

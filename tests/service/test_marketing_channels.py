"""Direct marketing through the Controller: consents and objections limited to a channel
and a contact point, decisions about one message, audited processing (issue 14)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

import attrs
import pytest

from gdprcrm.errors import InvalidInput, ProcessingRefused, Suppressed
from gdprcrm.model import (
    Audience,
    AuditEntry,
    Channel,
    ConsentGiven,
    ConsentGrant,
    LegalBasis,
    SubjectId,
)
from gdprcrm.policy import Outreach, Reason
from gdprcrm.service import Controller
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.testing.builders import EMAIL, NAME, PHONE, build_declarations, build_purpose

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LEA = {"email": "lea.martin@example.fr", "name": "Léa Martin", "phone": "06 12 34 56 78"}
# A Tuesday, 11:00 in Paris: within the French calling hours.
TUESDAY_11 = datetime(2026, 9, 15, 11, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def crm_at_11() -> Controller:
    return make_controller(clock=FrozenClock(TUESDAY_11))


def _trail(crm: Controller) -> list[AuditEntry]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return uow.audit.range(0)


def _customer(crm: Controller) -> SubjectId:
    return crm.add_subject(LEA, "FR", purposes=["customer-relationship", "customer-offers"])


def test_offers_to_a_customer_follow_each_channel_rule(crm_at_11: Controller) -> None:
    crm = crm_at_11
    sid = _customer(crm)
    email = crm.decide(sid, "customer-offers", outreach=Outreach(Channel.EMAIL, "email"))
    assert email.reasons == (Reason.BASIS_LEGITIMATE_INTERESTS, Reason.EXISTING_CUSTOMER)
    call = crm.decide(sid, "customer-offers", outreach=Outreach(Channel.PHONE_CALL, "phone"))
    assert call.reasons == (Reason.BASIS_LEGITIMATE_INTERESTS, Reason.ONGOING_CONTRACT)
    # The relationship ends: calls need consent again (L223-1), e-mail does not.
    crm.end_relationship(sid)
    after = crm.decide(sid, "customer-offers", outreach=Outreach(Channel.PHONE_CALL))
    assert after.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    assert crm.decide(sid, "customer-offers", outreach=Outreach(Channel.EMAIL)).allowed
    # The purpose does not declare post: a gap.
    post = crm.decide(sid, "customer-offers", outreach=Outreach(Channel.POST))
    assert post.is_gap


def test_a_call_outside_the_hours_is_refused_and_audited(clock_saturday: FrozenClock) -> None:
    crm = make_controller(clock=clock_saturday)
    sid = _customer(crm)
    call = Outreach(Channel.PHONE_CALL)
    with (
        pytest.raises(ProcessingRefused, match="outside-calling-hours") as caught,
        crm.processing(sid, "customer-offers", outreach=call),
    ):
        pytest.fail("the call went out")
    assert "décret n° 2022-1313" in str(caught.value.decision)
    (entry,) = [e for e in _trail(crm) if e.action == "processing.refused"]
    assert dict(entry.details) == {"reason": "outside-calling-hours", "channel": "phone-call"}


@pytest.fixture
def clock_saturday() -> FrozenClock:
    return FrozenClock(datetime(2026, 9, 19, 11, tzinfo=PARIS).astimezone(UTC))


def test_a_consent_for_one_channel_and_its_withdrawal() -> None:
    news = build_purpose(
        "newsletter", LegalBasis.CONSENT, fields=(EMAIL, NAME, PHONE), direct_marketing=True
    )
    crm = make_controller(build_declarations(news), clock=FrozenClock(TUESDAY_11))
    sid = crm.add_subject(
        LEA,
        "FR",
        purposes=["newsletter"],
        birth_date=date(1990, 4, 2),
        consents=[ConsentGrant("newsletter", "web-form", contact_channel=Channel.EMAIL)],
    )
    assert crm.decide(sid, "newsletter", outreach=Outreach(Channel.EMAIL, "email")).allowed
    sms = crm.decide(sid, "newsletter", outreach=Outreach(Channel.SMS))
    assert sms.reasons == (Reason.CONSENT_MISSING,)
    crm.give_consent(sid, "newsletter", channel="web-form", contact_channel=Channel.SMS)
    assert crm.decide(sid, "newsletter", outreach=Outreach(Channel.SMS)).allowed
    # Stop SMS: the SMS consent goes, the e-mail one stays.
    (withdrawn,) = crm.withdraw_consent(
        sid, "newsletter", channel="sms-reply", contact_channel=Channel.SMS
    )
    assert not crm.decide(sid, "newsletter", outreach=Outreach(Channel.SMS)).allowed
    assert crm.decide(sid, "newsletter", outreach=Outreach(Channel.EMAIL)).allowed
    (given_sms,) = [
        e
        for e in crm.consent_history(sid)
        if isinstance(e, ConsentGiven) and e.contact_channel is Channel.SMS
    ]
    assert withdrawn.consent_id == given_sms.id
    # The example's newsletter has no number: it cannot be consented to by SMS.
    example = make_controller()
    other = example.add_subject({"email": LEA["email"]}, "FR", purposes=["newsletter"])
    with pytest.raises(InvalidInput, match="does not reach people by sms"):
        example.give_consent(other, "newsletter", channel="web-form", contact_channel=Channel.SMS)


def test_a_consent_scope_the_declarations_do_not_allow_is_refused(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter", "customer-offers"])
    with pytest.raises(InvalidInput, match="not a contact point"):
        crm.give_consent(
            sid,
            "newsletter",
            channel="web-form",
            contact_channel=Channel.EMAIL,
            contact_point="name",
        )
    with pytest.raises(InvalidInput, match="not a contact point"):
        crm.give_consent(sid, "newsletter", channel="web-form", contact_point="name")
    with pytest.raises(InvalidInput, match="Channel"):
        crm.give_consent(sid, "newsletter", channel="web-form", contact_channel="sms")  # type: ignore[arg-type]
    assert crm.consents(sid) == []


def test_an_objection_to_sms_suppresses_the_number_and_leaves_e_mail(
    crm_at_11: Controller,
) -> None:
    crm = crm_at_11
    sid = _customer(crm)
    crm.object(sid, direct_marketing=True, contact_channel=Channel.SMS)
    sms = crm.decide(sid, "customer-offers", outreach=Outreach(Channel.SMS))
    assert sms.reasons == (Reason.CHANNEL_OBJECTION,)
    assert crm.decide(sid, "customer-offers", outreach=Outreach(Channel.EMAIL)).allowed
    assert crm.decide(sid, "customer-offers").allowed
    (entry,) = [e for e in _trail(crm) if e.action == "objection.recorded"]
    assert dict(entry.details)["channel"] == "sms"
    # Art. 21(3): after the erasure, the number comes back with SMS stopped (the
    # objection was to SMS only); calls to it and e-mail are not affected.
    crm.erase(sid)
    again = crm.add_subject(
        {"phone": LEA["phone"], "email": LEA["email"]},
        "FR",
        purposes=["customer-relationship", "customer-offers"],
    )
    sms_again = crm.decide(again, "customer-offers", outreach=Outreach(Channel.SMS))
    assert sms_again.reasons == (Reason.CHANNEL_OBJECTION,)
    call = Outreach(Channel.PHONE_CALL)
    assert crm.decide(again, "customer-offers", outreach=call).allowed
    assert crm.decide(again, "customer-offers", outreach=Outreach(Channel.EMAIL)).allowed
    carried = [e for e in _trail(crm) if e.action == "objection.carried"]
    assert [dict(e.details) for e in carried] == [{"channel": "sms"}]


def test_a_number_that_objected_to_every_channel_a_purpose_uses_is_refused() -> None:
    texts = build_purpose(
        "texts",
        LegalBasis.LEGITIMATE_INTERESTS,
        fields=(NAME, PHONE),
        direct_marketing=True,
        channels={Channel.SMS},
        audience=Audience.PROFESSIONAL,
    )
    calls = attrs.evolve(texts, id="calls", channels=frozenset({Channel.PHONE_CALL}))
    crm = make_controller(build_declarations(texts, calls), clock=FrozenClock(TUESDAY_11))
    sid = crm.add_subject({"phone": LEA["phone"]}, "FR", purposes=["texts"])
    crm.object(sid, direct_marketing=True, contact_channel=Channel.SMS)
    crm.erase(sid)
    with pytest.raises(Suppressed):  # SMS is all "texts" could use the number for
        crm.add_subject({"phone": "+33 6 12 34 56 78"}, "FR", purposes=["texts"])
    kept = crm.add_subject({"phone": LEA["phone"]}, "FR", purposes=["calls"])
    assert crm.decide(kept, "calls", outreach=Outreach(Channel.PHONE_CALL)).allowed
    # Adding "texts" to it later: every way "texts" has is objected to, refused too.
    with pytest.raises(Suppressed):
        crm.add_purposes(kept, ["texts"])


def test_channel_scopes_survive_sqlite(tmp_path: object) -> None:
    from pathlib import Path

    storage = SQLiteStorage(Path(str(tmp_path)) / "crm.db")
    crm = make_controller(clock=FrozenClock(TUESDAY_11), storage=storage)
    sid = crm.add_subject(
        LEA,
        "FR",
        purposes=["newsletter", "customer-relationship", "customer-offers"],
        consents=[
            ConsentGrant(
                "newsletter", "web-form", contact_channel=Channel.EMAIL, contact_point="email"
            )
        ],
    )
    crm.object(sid, "customer-offers", contact_channel=Channel.PHONE_CALL)
    state = crm.state(sid)
    (consent,) = state.consents
    assert consent.contact_channel is Channel.EMAIL  # type: ignore[union-attr]
    assert consent.contact_point == "email"  # type: ignore[union-attr]
    (objection,) = state.objections
    assert objection.contact_channel is Channel.PHONE_CALL
    call = crm.decide(sid, "customer-offers", outreach=Outreach(Channel.PHONE_CALL))
    assert call.reasons == (Reason.CHANNEL_OBJECTION,)
    crm.close()


def test_the_access_report_shows_the_channel_of_each_choice(crm_at_11: Controller) -> None:
    # Art. 15(1): the person sees what they agreed to and objected to, channel by channel.
    crm = crm_at_11
    sid = _customer(crm)
    crm.object(sid, direct_marketing=True, contact_channel=Channel.SMS)
    report = crm.access_report(sid)
    (objection,) = report["objections"]
    assert objection["contact_channel"] == "sms"
    assert "opposition, par SMS" in crm.access_report_text(sid, lang="fr")
    assert "objection, by SMS" in crm.access_report_text(sid, lang="en")

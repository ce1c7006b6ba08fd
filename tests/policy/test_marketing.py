"""Direct marketing per channel: ePrivacy art. 13 and French law, evaluated in decide().

Each rule has a test that fails when the rule is removed; the time rules are
Hypothesis properties over instants.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.deadlines import FRANCE as FRENCH_HOLIDAYS
from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    DEFAULT_MARKETING_LAWS,
    Audience,
    CallingWindow,
    Channel,
    ChannelRule,
    Declarations,
    LegalBasis,
    MarketingLaw,
    Objection,
    Purpose,
    Requirement,
    RetentionRule,
    SectorBan,
    Subject,
)
from gdprcrm.model.marketing import EU_BASELINE, FRANCE
from gdprcrm.policy import Decision, Outreach, Reason, SubjectState, decide
from gdprcrm.testing.builders import (
    EMAIL,
    NAME,
    PHONE,
    POSTAL_ADDRESS,
    build_consent,
    build_declarations,
    build_purpose,
    build_subject,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
COLLECTED = datetime(2026, 1, 5, 9, tzinfo=UTC)
CONTACT = (EMAIL, NAME, PHONE, POSTAL_ADDRESS)
# A Tuesday, 11:00 in Paris, after the French opt-in reform of calls.
TUESDAY_11 = datetime(2026, 9, 15, 11, tzinfo=PARIS).astimezone(UTC)
# A Tuesday, 11:00 in Paris, before it (opt-out and Bloctel).
BEFORE_REFORM = datetime(2026, 3, 10, 11, tzinfo=PARIS).astimezone(UTC)


def _offers(**overrides: Any) -> Purpose:
    values: dict[str, Any] = {"fields": CONTACT, "direct_marketing": True}
    values.update(overrides)
    return build_purpose("offers", LegalBasis.LEGITIMATE_INTERESTS, **values)


def _newsletter(**overrides: Any) -> Purpose:
    values: dict[str, Any] = {"fields": CONTACT, "direct_marketing": True}
    values.update(overrides)
    return build_purpose("newsletter", LegalBasis.CONSENT, **values)


SALES = build_purpose("sales", LegalBasis.CONTRACT, fields=CONTACT)


def _decide(
    purpose: Purpose,
    outreach: Outreach | None,
    at: datetime = TUESDAY_11,
    *,
    customer: bool = False,
    consents: tuple[Any, ...] = (),
    objections: tuple[Objection, ...] = (),
    subject: Subject | None = None,
    declarations: Declarations | None = None,
    **kwargs: Any,
) -> Decision:
    decl = declarations or build_declarations(purpose, SALES)
    purposes = [purpose.id, *(["sales"] if customer else [])]
    if subject is None:
        subject = build_subject(purposes=purposes, collected_at=COLLECTED)
    state = SubjectState(
        subject,
        tuple(c(subject) if callable(c) else c for c in consents),
        tuple(attrs.evolve(o, subject_id=subject.id) for o in objections),
    )
    return decide(state, purpose.id, at, decl, outreach=outreach, **kwargs)


def _consent(**kwargs: Any) -> Any:
    return lambda subject: build_consent(subject, "newsletter", COLLECTED, **kwargs)


# -- electronic messages to consumers: prior consent (2002/58 art. 13(1), CPCE L34-5) -----


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_an_electronic_message_to_a_consumer_needs_prior_consent(channel: Channel) -> None:
    decision = _decide(_offers(), Outreach(channel))
    assert not decision.allowed
    assert decision.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    assert decision.sources == ("CPCE L34-5",)
    assert "Directive 2002/58/EC art. 13(1)" in str(decision)
    assert "CPCE L34-5" in str(decision)
    # Without the channel, the purpose as a whole rests on its legitimate interest.
    assert _decide(_offers(), None).allowed


def test_the_existing_customer_exception_needs_a_sale_and_like_offers() -> None:
    like = _offers(existing_customers=True)
    allowed = _decide(like, Outreach(Channel.EMAIL), customer=True)
    assert allowed.allowed
    assert allowed.reasons == (Reason.BASIS_LEGITIMATE_INTERESTS, Reason.EXISTING_CUSTOMER)
    # Not a customer (no contract purpose), or offers not declared as like ones: refused.
    assert not _decide(like, Outreach(Channel.EMAIL)).allowed
    assert not _decide(_offers(), Outreach(Channel.EMAIL), customer=True).allowed
    # The exception never covers automated calls (art. 13(1) has none).
    automated = _decide(like, Outreach(Channel.AUTOMATED_CALL), customer=True)
    assert Reason.MARKETING_CONSENT_MISSING in automated.reasons


def test_a_consent_limited_to_a_channel_covers_that_channel_only() -> None:
    email_only = _consent(contact_channel=Channel.EMAIL)
    purpose = _newsletter()
    assert _decide(purpose, Outreach(Channel.EMAIL), consents=(email_only,)).allowed
    sms = _decide(purpose, Outreach(Channel.SMS), consents=(email_only,))
    assert sms.reasons == (Reason.CONSENT_MISSING,)
    # A consent for every channel covers each of them.
    assert _decide(purpose, Outreach(Channel.SMS), consents=(_consent(),)).allowed
    # Asked about the purpose as a whole, a consent for one channel is a consent.
    assert _decide(purpose, None, consents=(email_only,)).allowed


def test_a_consent_limited_to_a_contact_point_covers_that_point_only() -> None:
    work = attrs.evolve(EMAIL, name="email_work")
    purpose = _newsletter(fields=(*CONTACT, work))
    decl = build_declarations(purpose, SALES)
    home_only = _consent(contact_channel=Channel.EMAIL, contact_point="email")
    home = _decide(
        purpose, Outreach(Channel.EMAIL, "email"), consents=(home_only,), declarations=decl
    )
    assert home.allowed
    other = _decide(
        purpose, Outreach(Channel.EMAIL, "email_work"), consents=(home_only,), declarations=decl
    )
    assert other.reasons == (Reason.CONSENT_MISSING,)


# -- professionals (CNIL): e-mail unless they object --------------------------------------


def test_e_mail_to_professionals_is_allowed_until_they_object() -> None:
    b2b = _offers(audience=Audience.PROFESSIONAL)
    assert _decide(b2b, Outreach(Channel.EMAIL)).allowed
    no_email = Objection(build_subject().id, COLLECTED, direct_marketing=True)
    no_email = attrs.evolve(no_email, contact_channel=Channel.EMAIL)
    refused = _decide(b2b, Outreach(Channel.EMAIL), objections=(no_email,))
    assert refused.reasons == (Reason.CHANNEL_OBJECTION,)
    # The objection was to e-mail only: a letter may still go.
    assert _decide(b2b, Outreach(Channel.POST), objections=(no_email,)).allowed
    # The same purpose to consumers would need consent.
    assert not _decide(_offers(), Outreach(Channel.EMAIL)).allowed


def test_a_channel_objection_to_one_marketing_purpose_stops_every_one_on_that_channel() -> None:
    b2b = _offers(audience=Audience.PROFESSIONAL)
    other = attrs.evolve(b2b, id="events")
    decl = build_declarations(b2b, other, SALES)
    subject = build_subject(purposes=["offers", "events"], collected_at=COLLECTED)
    objection = Objection(subject.id, COLLECTED, purpose_id="events", contact_channel=Channel.SMS)
    refused = _decide(
        b2b, Outreach(Channel.SMS), objections=(objection,), subject=subject, declarations=decl
    )
    assert refused.reasons == (Reason.CHANNEL_OBJECTION,)
    assert _decide(
        b2b, Outreach(Channel.EMAIL), objections=(objection,), subject=subject, declarations=decl
    ).allowed


def test_post_is_allowed_unless_the_person_objected() -> None:
    assert _decide(_offers(), Outreach(Channel.POST)).allowed
    objected = Objection(build_subject().id, COLLECTED, direct_marketing=True)
    decision = _decide(_offers(), Outreach(Channel.POST), objections=(objected,))
    assert decision.reasons == (Reason.DIRECT_MARKETING_OBJECTION,)


# -- automated calls and fax: prior consent, no exception ---------------------------------


@pytest.mark.parametrize("jurisdiction", ["FR", "DE", "IT"])
@pytest.mark.parametrize("channel", [Channel.AUTOMATED_CALL, Channel.FAX])
def test_automated_calls_and_fax_need_consent_everywhere(
    channel: Channel, jurisdiction: str
) -> None:
    subject = build_subject(purposes=["offers", "sales"], jurisdiction=jurisdiction)
    b2b = _offers(audience=Audience.PROFESSIONAL, existing_customers=True)
    decision = _decide(b2b, Outreach(channel), subject=subject)
    assert decision.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    with_consent = _decide(_newsletter(), Outreach(channel), consents=(_consent(),))
    assert with_consent.allowed


# -- telephone canvassing of consumers in France --------------------------------------------


def test_before_the_reform_a_call_needs_the_opposition_list_consulted() -> None:
    unchecked = _decide(_offers(), Outreach(Channel.PHONE_CALL), BEFORE_REFORM)
    assert unchecked.reasons == (Reason.OPPOSITION_LIST_UNCHECKED,)
    assert unchecked.is_gap
    listed = _decide(
        _offers(), Outreach(Channel.PHONE_CALL, opposition_listed=True), BEFORE_REFORM
    )
    assert listed.reasons == (Reason.OPPOSITION_LISTED,)
    clear = Outreach(Channel.PHONE_CALL, "phone", opposition_listed=False)
    assert _decide(_offers(), clear, BEFORE_REFORM).allowed


def test_the_last_opt_out_day_is_10_august_2026_in_paris() -> None:
    clear = Outreach(Channel.PHONE_CALL, opposition_listed=False)
    monday_10 = datetime(2026, 8, 10, 19, 59, tzinfo=PARIS).astimezone(UTC)
    tuesday_11 = datetime(2026, 8, 11, 10, 0, tzinfo=PARIS).astimezone(UTC)
    assert _decide(_offers(), clear, monday_10).allowed
    after = _decide(_offers(), clear, tuesday_11)
    assert after.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    assert "loi n° 2025-594" in after.sources[0]


def test_after_the_reform_calls_need_consent_save_an_ongoing_contract() -> None:
    call = Outreach(Channel.PHONE_CALL, "phone")
    assert not _decide(_offers(), call).allowed
    like = _offers(existing_customers=True)
    ongoing = _decide(like, call, customer=True)
    assert ongoing.reasons == (Reason.BASIS_LEGITIMATE_INTERESTS, Reason.ONGOING_CONTRACT)
    ended = build_subject(
        purposes=["offers", "sales"],
        collected_at=COLLECTED,
        relationship_ended_at=TUESDAY_11 - timedelta(days=1),
    )
    assert _decide(like, call, subject=ended).reasons == (Reason.MARKETING_CONSENT_MISSING,)
    with_consent = _decide(_newsletter(), call, consents=(_consent(),))
    assert with_consent.allowed


def _allowed_hour(local: datetime) -> bool:
    if not FRENCH_HOLIDAYS.is_working_day(local.date()):
        return False
    t = local.time()
    return time(10) <= t < time(13) or time(14) <= t < time(20)


@settings(max_examples=300)
@given(
    st.datetimes(
        min_value=datetime(2026, 8, 11), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
)
def test_a_call_is_allowed_exactly_on_working_days_at_the_allowed_hours(at: datetime) -> None:
    kept = _newsletter(retention=RetentionRule(relativedelta(years=100)))
    decision = _decide(kept, Outreach(Channel.PHONE_CALL), at, consents=(_consent(),))
    assert decision.allowed is _allowed_hour(at.astimezone(PARIS))
    if not decision.allowed:
        assert decision.reasons == (Reason.OUTSIDE_CALLING_HOURS,)


def test_public_holidays_and_lunch_are_outside_calling_hours() -> None:
    call = Outreach(Channel.PHONE_CALL)
    consented = (_consent(),)
    bastille = datetime(2027, 7, 14, 11, tzinfo=PARIS).astimezone(UTC)  # a Wednesday
    lunch = datetime(2026, 9, 15, 13, 30, tzinfo=PARIS).astimezone(UTC)
    saturday = datetime(2026, 9, 19, 11, tzinfo=PARIS).astimezone(UTC)
    for at in (bastille, lunch, saturday):
        decision = _decide(_newsletter(), call, at, consents=consented)
        assert decision.reasons == (Reason.OUTSIDE_CALLING_HOURS,), at
    # E-mail has no hours.
    assert _decide(_newsletter(), Outreach(Channel.EMAIL), saturday, consents=consented).allowed


def test_calls_to_professionals_follow_the_objection_rule_at_any_hour() -> None:
    b2b = _offers(audience=Audience.PROFESSIONAL)
    saturday = datetime(2026, 9, 19, 21, tzinfo=PARIS).astimezone(UTC)
    assert _decide(b2b, Outreach(Channel.PHONE_CALL), saturday).allowed


def test_canvassing_for_a_banned_sector_is_refused_even_with_consent() -> None:
    renovation = _newsletter(sector="energy-renovation")
    decision = _decide(renovation, Outreach(Channel.PHONE_CALL), consents=(_consent(),))
    assert decision.reasons == (Reason.CANVASSING_BANNED,)
    assert decision.sources[0] == "Code de la consommation L223-1"
    # The ban is on calls; an e-mail with consent goes.
    assert _decide(renovation, Outreach(Channel.EMAIL), consents=(_consent(),)).allowed


# -- declarations and inputs ----------------------------------------------------------------


def test_a_channel_the_purpose_does_not_declare_is_a_gap() -> None:
    email_only = _newsletter(channels={Channel.EMAIL})
    decision = _decide(email_only, Outreach(Channel.SMS), consents=(_consent(),))
    assert decision.reasons == (Reason.CHANNEL_UNDECLARED,)
    assert decision.is_gap


def test_service_messages_are_not_marketing() -> None:
    # A contract purpose may e-mail its customer without any marketing rule.
    decision = _decide(
        SALES, Outreach(Channel.EMAIL), customer=True, declarations=build_declarations(SALES)
    )
    assert decision.allowed
    assert decision.sources == ()


def test_an_outreach_names_a_contact_point_of_the_purpose_and_channel() -> None:
    with pytest.raises(InvalidInput, match="not a contact point for sms"):
        _decide(_offers(), Outreach(Channel.SMS, "email"))
    with pytest.raises(InvalidInput, match="does not use"):
        _decide(_offers(fields=(EMAIL, NAME)), Outreach(Channel.SMS, "phone"))
    with pytest.raises(InvalidInput):
        _decide(_offers(), "email")  # type: ignore[arg-type]


def test_another_member_state_can_be_declared() -> None:
    germany = MarketingLaw(
        "DE",
        (
            ChannelRule(Channel.EMAIL, Requirement.PRIOR_CONSENT, "UWG § 7(2) Nr. 2"),
            ChannelRule(Channel.PHONE_CALL, Requirement.PRIOR_CONSENT, "UWG § 7(2) Nr. 1"),
        ),
    )
    laws = DEFAULT_MARKETING_LAWS.with_law(germany)
    subject = build_subject(purposes=["offers", "sales"], jurisdiction="DE")
    b2b = _offers(audience=Audience.PROFESSIONAL, existing_customers=True)
    decision = _decide(b2b, Outreach(Channel.EMAIL), subject=subject, laws=laws)
    assert decision.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    assert decision.sources == ("UWG § 7(2) Nr. 2",)
    # The baseline leaves calls by a person to the objection rule (art. 13(3)).
    assert _decide(b2b, Outreach(Channel.PHONE_CALL), subject=subject).allowed
    assert not _decide(b2b, Outreach(Channel.PHONE_CALL), subject=subject, laws=laws).allowed
    # A channel the state's law does not rule: no channel rule applies.
    assert _decide(b2b, Outreach(Channel.POST), subject=subject, laws=laws).allowed


def test_a_law_with_two_rules_for_one_day_is_refused() -> None:
    with pytest.raises(InvalidInput, match="two rules"):
        MarketingLaw(
            "FR",
            (
                ChannelRule(Channel.EMAIL, Requirement.PRIOR_CONSENT, "a"),
                ChannelRule(
                    Channel.EMAIL,
                    Requirement.UNLESS_OBJECTED,
                    "b",
                    audience=Audience.CONSUMER,
                    valid_from=date(2027, 1, 1),
                ),
            ),
        )
    with pytest.raises(InvalidInput):
        CallingWindow(time(14), time(10))
    with pytest.raises(InvalidInput):
        SectorBan("energy-renovation", frozenset(), "x")


def test_the_built_in_laws_rule_every_channel_for_every_audience() -> None:
    for law in (FRANCE, EU_BASELINE):
        for channel in Channel:
            for audience in Audience:
                for day in (date(2026, 1, 1), date(2026, 8, 10), date(2026, 8, 11)):
                    assert law.rule(channel, audience, day) is not None, (law, channel)


@given(st.sampled_from(list(Channel)), st.sampled_from(list(Audience)))
def test_without_an_outreach_nothing_changes(channel: Channel, audience: Audience) -> None:
    purpose = _offers(audience=audience, channels={channel})
    plain = _decide(purpose, None)
    assert plain.allowed
    assert plain.sources == ()

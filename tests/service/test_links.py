"""Links a person clicks (Art. 7(1), 7(3), 21(2)-(3)): double opt-in confirmation and
one-click unsubscribe tokens, opaque, signed, refused when altered, expired or replayed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput, InvalidToken, TokenExpired, TokenReplayed
from gdprcrm.model import ConsentGrant
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock, make_controller

LEA = {"email": "lea.martin@example.fr", "name": "Léa Martin"}


def test_a_confirmed_double_opt_in_records_the_consent_from_the_click(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])  # awaiting confirmation
    token = crm.confirmation_token(sid, "newsletter", channel="e-mail")
    assert "lea" not in token.lower()  # nothing personal in the link
    clock.advance(days=2)
    event = crm.confirm_consent(token)
    assert event.at == clock.now()
    (consent,) = crm.consents(sid)
    assert "confirmation" in consent.evidence
    with pytest.raises(TokenReplayed):
        crm.confirm_consent(token)
    assert len(crm.consents(sid)) == 1
    clock.advance(days=30)
    crm.sweep()
    assert crm.values(sid) == LEA  # confirmed: kept


def test_an_expired_or_altered_confirmation_is_refused(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    token = crm.confirmation_token(sid, "newsletter", channel="e-mail")
    body, tag = token.split(".")
    for forged in (body + "." + tag[:-2] + "AA", body[:-2] + "AA." + tag, "x", "a.b.c", ""):
        with pytest.raises(InvalidToken):
            crm.confirm_consent(forged)
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(TokenExpired):
        crm.confirm_consent(token)
    assert crm.consents(sid) == []


def test_one_click_unsubscribe_withdraws_once_and_then_changes_nothing(
    crm: Controller,
) -> None:
    sid = crm.add_subject(
        LEA, "FR", purposes=["newsletter"], consents=[ConsentGrant("newsletter", "web-form")]
    )
    token = crm.unsubscribe_token(sid, "newsletter", channel="e-mail")
    assert crm.unsubscribe(token) == "withdrawn"
    assert not crm.decide(sid, "newsletter").allowed
    assert crm.unsubscribe(token) == "unchanged"  # idempotent
    with pytest.raises(InvalidToken):  # one kind of token is not the other
        crm.confirm_consent(token)


def test_unsubscribing_from_prospecting_is_an_objection_to_direct_marketing(
    crm: Controller,
) -> None:
    sid = crm.add_subject({"email": "p@example.fr"}, "FR", purposes=["prospecting"])
    token = crm.unsubscribe_token(sid, "prospecting", channel="e-mail")
    assert crm.unsubscribe(token) == "objected"
    assert crm.decide(sid, "prospecting").codes == ("direct-marketing-objection",)
    assert crm.unsubscribe(token) == "unchanged"
    with pytest.raises(InvalidInput):  # a contract purpose: nothing to unsubscribe from
        crm.unsubscribe_token(sid, "customer-relationship", channel="e-mail")


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 400), st.integers(0, 255))
def test_any_altered_byte_is_refused(position: int, flip: int) -> None:
    crm = make_controller()
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    token = crm.confirmation_token(sid, "newsletter", channel="e-mail")
    chars = list(token)
    index = position % len(chars)
    replacement = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."[flip % 65]
    if chars[index] == replacement:
        return
    chars[index] = replacement
    with pytest.raises(InvalidToken):
        crm.confirm_consent("".join(chars))


def test_links_limited_to_one_marketing_channel() -> None:
    # Issue 14, items 3-4: a confirmation for the SMS to this number records a consent
    # covering exactly that; an unsubscribe link in an SMS stops SMS, not e-mail.
    from datetime import UTC, date, datetime

    from gdprcrm.model import Channel, LegalBasis
    from gdprcrm.policy import Outreach, Reason
    from gdprcrm.testing.builders import EMAIL, NAME, PHONE, build_declarations, build_purpose

    news = build_purpose(
        "newsletter", LegalBasis.CONSENT, fields=(EMAIL, NAME, PHONE), direct_marketing=True
    )
    crm = make_controller(build_declarations(news))
    sid = crm.add_subject(
        {"email": "lea@example.fr", "phone": "06 12 34 56 78"},
        "FR",
        purposes=["newsletter"],
        birth_date=date(1990, 4, 2),
    )
    token = crm.confirmation_token(
        sid, "newsletter", channel="sms", contact_channel=Channel.SMS, contact_point="phone"
    )
    event = crm.confirm_consent(token)
    assert (event.contact_channel, event.contact_point) == (Channel.SMS, "phone")
    assert crm.decide(sid, "newsletter", outreach=Outreach(Channel.SMS, "phone")).allowed
    assert not crm.decide(sid, "newsletter", outreach=Outreach(Channel.EMAIL)).allowed
    with pytest.raises(InvalidInput, match="not a contact point"):
        crm.confirmation_token(
            sid, "newsletter", channel="sms", contact_channel=Channel.SMS, contact_point="email"
        )
    crm.give_consent(sid, "newsletter", channel="web-form", contact_channel=Channel.EMAIL)
    stop_sms = crm.unsubscribe_token(sid, "newsletter", channel="sms", contact_channel=Channel.SMS)
    assert crm.unsubscribe(stop_sms) == "withdrawn"
    assert crm.unsubscribe(stop_sms) == "unchanged"
    assert not crm.decide(sid, "newsletter", outreach=Outreach(Channel.SMS)).allowed
    assert crm.decide(sid, "newsletter", outreach=Outreach(Channel.EMAIL)).allowed
    # On a legitimate-interest purpose the link records an objection to that channel.
    offers = make_controller(clock=FrozenClock(datetime(2026, 9, 15, 9, tzinfo=UTC)))
    lea = offers.add_subject(
        {"email": "lea@example.fr", "phone": "06 12 34 56 78", "name": "Léa"},
        "FR",
        purposes=["customer-relationship", "customer-offers"],
    )
    link = offers.unsubscribe_token(
        lea, "customer-offers", channel="sms", contact_channel=Channel.SMS
    )
    assert offers.unsubscribe(link) == "objected"
    assert offers.unsubscribe(link) == "unchanged"
    sms = offers.decide(lea, "customer-offers", outreach=Outreach(Channel.SMS))
    assert sms.reasons == (Reason.CHANNEL_OBJECTION,)
    assert offers.decide(lea, "customer-offers", outreach=Outreach(Channel.EMAIL)).allowed

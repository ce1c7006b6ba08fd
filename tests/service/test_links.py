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

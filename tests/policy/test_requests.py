"""policy.requests: the Art. 12 transitions as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.deadlines import FRANCE, extended_due, request_due
from gdprcrm.documents.refusal import refusal_text
from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    DataSubjectRequest,
    RequestKind,
    RequestStatus,
    SubjectId,
    SupervisoryAuthority,
)
from gdprcrm.policy import requests as rules
from gdprcrm.testing import strategies as gst

TZ = "Europe/Paris"
CNIL = SupervisoryAuthority("CNIL", "https://www.cnil.fr/fr/plaintes")


def received() -> st.SearchStrategy[datetime]:
    return gst.instants(datetime(2024, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def new(at: datetime) -> DataSubjectRequest:
    return rules.new_request(SubjectId.new(), RequestKind.ACCESS, at, tz=TZ)


@given(received())
def test_a_request_is_due_one_month_after_receipt_in_the_controllers_zone(at: datetime) -> None:
    assert new(at).due_at == request_due(at, tz=TZ, calendar=FRANCE)


@given(received(), st.integers(0, 80))
def test_an_extension_is_possible_only_within_the_first_month(at: datetime, days: int) -> None:
    # Art. 12(3): the person is told of the extension within one month of receipt.
    request = new(at)
    when = at + timedelta(days=days)
    if when <= request.due_at:
        extended = rules.extend(request, reasons="volume", at=when, tz=TZ)
        assert extended.status is RequestStatus.EXTENDED
        assert extended.extended_due_at == extended_due(at, tz=TZ, calendar=FRANCE)
    else:
        with pytest.raises(InvalidInput, match=r"12\(3\)"):
            rules.extend(request, reasons="volume", at=when, tz=TZ)


@given(received(), st.sampled_from(["", "   "]))
def test_an_extension_a_doubt_and_a_refusal_need_reasons(at: datetime, blank: str) -> None:
    request = new(at)
    with pytest.raises(InvalidInput, match=r"12\(3\)"):
        rules.extend(request, reasons=blank, at=at, tz=TZ)
    with pytest.raises(InvalidInput, match=r"12\(6\)"):
        rules.ask_identity(request, doubt=blank, at=at)
    with pytest.raises(InvalidInput, match=r"12\(4\)"):
        rules.refuse(request, reasons=blank, outcome="x", at=at)


@given(received(), st.integers(1, 40))
def test_the_identity_pause_moves_the_due_date_by_its_length(at: datetime, days: int) -> None:
    # Art. 12(6), French practice: the clock stops while identification is awaited.
    asked = rules.ask_identity(new(at), doubt="signature differs", at=at + timedelta(days=1))
    assert asked.status is RequestStatus.AWAITING_IDENTITY
    resumed = rules.identity_received(asked, at=at + timedelta(days=1 + days), tz=TZ)
    assert resumed.due_at >= new(at).due_at  # never earlier; weekends may absorb a pause
    assert resumed.due_at == request_due(at, tz=TZ, calendar=FRANCE, pauses=rules.pauses(resumed))


@given(received())
def test_a_closed_request_takes_no_further_step(at: datetime) -> None:
    done = rules.complete(new(at), outcome="answered", at=at)
    refused = rules.refuse(
        new(at),
        reasons="Manifestly excessive.",
        outcome=refusal_text("Manifestly excessive.", CNIL, "en"),
        at=at,
    )
    for closed in (done, refused):
        with pytest.raises(InvalidInput, match="closed"):
            rules.extend(closed, reasons="r", at=at, tz=TZ)
        with pytest.raises(InvalidInput, match="closed"):
            rules.complete(closed, outcome="again", at=at)


@given(st.sampled_from(["fr", "en"]), st.text(min_size=1).filter(str.strip))
def test_a_refusal_text_states_the_reasons_the_authority_and_the_court(
    language: str, reasons: str
) -> None:
    # Art. 12(4): reasons, the right to complain (Art. 77) and to a judicial remedy (79).
    text = refusal_text(reasons, CNIL, language)
    assert reasons.strip() in text
    assert CNIL.name in text
    assert CNIL.url in text
    assert "79" in text
    assert "77" in text
    assert ("recours juridictionnel" if language == "fr" else "judicial remedy") in text


def test_a_refusal_text_in_an_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidInput, match="language"):
        refusal_text("reasons", CNIL, "de")


def test_a_refusal_whose_text_omits_the_reasons_is_refused() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    with pytest.raises(InvalidInput, match=r"12\(4\)"):
        rules.refuse(new(at), reasons="Excessive.", outcome="Refused.", at=at)


@given(received(), st.integers(0, 20))
def test_the_local_due_date_is_the_calendar_day_of_the_due_instant(
    at: datetime, days: int
) -> None:
    from zoneinfo import ZoneInfo

    request = new(at)
    assert request.due_date == request.due_at.astimezone(ZoneInfo(TZ)).date()
    extended = rules.extend(request, reasons="volume", at=at + timedelta(days=days), tz=TZ)
    assert extended.extended_due_at is not None
    assert extended.due_date == extended.extended_due_at.astimezone(ZoneInfo(TZ)).date()


def test_a_request_received_on_31_january_is_due_on_monday_2_march_2026() -> None:
    # Reg. 1182/71: 28 February 2026 is a Saturday, so the period ends on Monday 2 March.
    from datetime import date

    request = new(datetime(2026, 1, 31, 9, tzinfo=UTC))
    assert request.due_date == date(2026, 3, 2)

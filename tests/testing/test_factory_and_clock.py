"""make_controller, FrozenClock.advance with calendar units, Decision's text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput
from gdprcrm.model import SubjectId
from gdprcrm.testing import T0, FrozenClock, make_controller


@given(st.emails())
def test_make_controller_gives_a_fresh_controller_per_example(email: str) -> None:
    crm = make_controller(clock=FrozenClock())
    sid = crm.add_subject(
        {"email": email}, "FR", purposes=["newsletter"], birth_date=date(1990, 1, 1)
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    assert crm.decide(sid, "newsletter").allowed
    assert crm.verify_audit().ok


def test_advance_takes_calendar_units() -> None:
    clock = FrozenClock(datetime(2024, 2, 29, 9, tzinfo=UTC))
    assert clock.advance(years=1) == datetime(2025, 2, 28, 9, tzinfo=UTC)
    assert clock.advance(months=1, days=1) == datetime(2025, 3, 29, 9, tzinfo=UTC)
    assert clock.advance(timedelta(hours=1)) == datetime(2025, 3, 29, 10, tzinfo=UTC)
    assert FrozenClock().now() == T0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.advance(days=-1),
        lambda c: c.advance(fortnights=1),
        lambda c: c.advance(timedelta(days=1), days=1),
    ],
)
def test_advance_refuses_what_it_cannot_do(call: object) -> None:
    clock = FrozenClock()
    with pytest.raises(InvalidInput):
        call(clock)  # type: ignore[operator]
    assert clock.now() == T0


def test_a_decision_reads_as_the_cli_prints_it() -> None:
    crm = make_controller()
    sid = crm.add_subject({"email": "a@example.fr"}, "FR", purposes=["newsletter"])
    assert str(crm.decide(sid, "newsletter")) == "REFUSED: consent-missing (Art. 6(1)(a))"


def test_a_plain_string_id_points_to_subjectid_parse() -> None:
    crm = make_controller()
    with pytest.raises(InvalidInput, match=r"SubjectId\.parse"):
        crm.decide("7c5b1f0e-1111-4222-8333-944444444444", "newsletter")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"SubjectId\.parse"):
        SubjectId("7c5b1f0e-1111-4222-8333-944444444444")  # type: ignore[arg-type]

"""Deadlines counted as Reg. 1182/71 and the authorities do: exact vectors and properties."""

from __future__ import annotations

import calendar as cal
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.deadlines import (
    ALSACE_MOSELLE,
    FRANCE,
    ExtensionRule,
    HolidayCalendar,
    Pause,
    add_months,
    breach_deadline,
    days_left,
    extended_due,
    local_date,
    request_due,
    roll_forward,
)
from gdprcrm.errors import InvalidInput, NaiveDatetime

PARIS = ZoneInfo("Europe/Paris")


def paris(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


def due_day(at: datetime | None) -> date:
    assert at is not None
    local = at.astimezone(PARIS)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)  # the end of the day
    return local.date()


def test_french_holidays_2026() -> None:
    assert sorted(FRANCE.holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]
    assert ALSACE_MOSELLE.holidays(2026) - FRANCE.holidays(2026) == {
        date(2026, 4, 3),
        date(2026, 12, 26),  # Good Friday, Saint Stephen
    }


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (paris(2026, 1, 5), date(2026, 2, 5)),  # plain: Thursday
        (paris(2026, 1, 31), date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday -> Monday
        (paris(2024, 1, 31), date(2024, 2, 29)),  # leap year, month-end clamp
        (paris(2026, 3, 31), date(2026, 4, 30)),  # 31 March -> 30 April (Thursday)
        (paris(2026, 4, 1), date(2026, 5, 4)),  # 1 May holiday, then the weekend
        (paris(2026, 4, 14), date(2026, 5, 15)),  # 14 May Ascension -> Friday
        (paris(2026, 11, 25), date(2026, 12, 28)),  # 25 Dec Friday holiday -> Monday
        (paris(2026, 1, 5, 0, 30), date(2026, 2, 5)),  # just after midnight, Paris time
    ],
)
def test_one_month_from_receipt(received: datetime, expected: date) -> None:
    assert due_day(request_due(received)) == expected


def test_the_receipt_date_is_the_controllers_not_utcs() -> None:
    # 31 March 23:30 UTC is already 1 April in Paris (summer time).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert local_date(late, "Europe/Paris") == date(2026, 4, 1)
    assert due_day(request_due(late)) == date(2026, 5, 4)
    # Counted in UTC it would have been 30 April: a different answer.
    utc_due = request_due(late, tz="UTC")
    assert utc_due is not None
    assert utc_due.date() == date(2026, 4, 30)


def test_regional_calendars() -> None:
    # Due on Good Friday 2026 (3 April): a working day in France, not in Alsace-Moselle,
    # where Easter Monday follows the weekend.
    received = paris(2026, 3, 3)
    assert due_day(request_due(received)) == date(2026, 4, 3)
    assert due_day(request_due(received, calendar=ALSACE_MOSELLE)) == date(2026, 4, 7)
    # 26 December 2025 is a Friday.
    st_stephen = paris(2025, 11, 26)
    assert due_day(request_due(st_stephen)) == date(2025, 12, 26)
    assert due_day(request_due(st_stephen, calendar=ALSACE_MOSELLE)) == date(2025, 12, 29)


def test_extension_rules() -> None:
    received = paris(2026, 1, 31)  # first due 28 Feb (unrolled)
    assert due_day(extended_due(received)) == date(2026, 4, 28)  # min(30 Apr, 28 Apr)
    assert due_day(extended_due(received, rule=ExtensionRule.FROM_RECEIPT)) == date(2026, 4, 30)
    assert due_day(extended_due(received, rule=ExtensionRule.FROM_FIRST_DUE)) == date(2026, 4, 28)
    plain = paris(2026, 1, 5)
    assert due_day(extended_due(plain)) == date(2026, 4, 7)  # 5 Apr Easter, 6 Easter Monday


def test_pauses_stop_the_clock() -> None:
    received = paris(2026, 1, 5)
    asked = Pause(paris(2026, 1, 10), paris(2026, 1, 17))  # 7 days awaiting identity
    assert due_day(request_due(received, pauses=[asked])) == date(2026, 2, 12)
    assert request_due(received, pauses=[Pause(paris(2026, 1, 10))]) is None  # still waiting
    with pytest.raises(InvalidInput):
        Pause(paris(2026, 1, 10), paris(2026, 1, 9))


def test_the_breach_clock_is_elapsed_time_across_dst() -> None:
    # Summer time starts on 29 March 2026: 72 h are 72 h, weekend or not.
    aware = paris(2026, 3, 27, 18, 0)  # Friday evening
    deadline = breach_deadline(aware)
    assert deadline - aware.astimezone(UTC) == timedelta(hours=72)
    assert deadline.astimezone(PARIS) == paris(2026, 3, 30, 19, 0)
    with pytest.raises(NaiveDatetime):
        breach_deadline(datetime(2026, 3, 27))


def test_days_left() -> None:
    due = request_due(paris(2026, 1, 5))
    assert due is not None
    assert days_left(due, paris(2026, 2, 1)) == 4
    assert days_left(due, paris(2026, 2, 5, 23, 0)) == 0
    assert days_left(due, paris(2026, 2, 9)) == -4


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(dates, st.integers(1, 24))
def test_month_end_clamping(day: date, months: int) -> None:
    later = add_months(day, months)
    target_month = (day.month - 1 + months) % 12 + 1
    assert later.month == target_month
    last = cal.monthrange(later.year, later.month)[1]
    assert later.day == min(day.day, last)


@given(dates)
def test_due_dates_are_working_days_about_a_month_on(day: date) -> None:
    received = datetime(day.year, day.month, day.day, 12, tzinfo=PARIS)
    for calendar in (FRANCE, ALSACE_MOSELLE):
        due = due_day(request_due(received, calendar=calendar))
        assert calendar.is_working_day(due)
        assert 28 <= (due - day).days <= 31 + 5  # a month, plus at most a long weekend
        assert roll_forward(due, calendar) == due


@given(dates, st.integers(0, 60))
def test_a_pause_of_n_days_moves_the_unrolled_due_date_by_n(day: date, n: int) -> None:
    received = datetime(day.year, day.month, day.day, 12, tzinfo=PARIS)
    start = received + timedelta(days=2)
    pause = Pause(start, start + timedelta(days=n))
    never = HolidayCalendar("none", fixed=frozenset(), weekend=frozenset())
    plain = due_day(request_due(received, calendar=never))
    paused = due_day(request_due(received, calendar=never, pauses=[pause]))
    assert (paused - plain).days == n


@given(dates)
def test_extension_is_never_earlier_than_the_first_due_date(day: date) -> None:
    received = datetime(day.year, day.month, day.day, 12, tzinfo=PARIS)
    first = request_due(received)
    extended = extended_due(received)
    assert first is not None
    assert extended is not None
    assert extended > first
    assert (extended - first).days <= 62 + 5

"""Periods of Art. 12(3) and Art. 33(1), counted as Regulation 1182/71 says."""

from __future__ import annotations

import enum
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import attrs
from dateutil.relativedelta import relativedelta

from gdprcrm.deadlines.calendar import FRANCE, HolidayCalendar
from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    as_utc,
    aware,
    check_aware,
    check_date,
    collection_of,
    optional_as_utc,
    optional_aware,
)

__all__ = [
    "BREACH_NOTIFICATION",
    "ExtensionRule",
    "Pause",
    "add_months",
    "breach_deadline",
    "days_left",
    "end_of_day",
    "extended_due",
    "local_date",
    "request_due",
    "roll_forward",
]

BREACH_NOTIFICATION = timedelta(hours=72)
"""Art. 33(1): elapsed time from awareness, whatever the calendar says."""


def _zone(tz: str) -> zoneinfo.ZoneInfo:
    if not isinstance(tz, str):
        raise InvalidInput("time zone: expected an IANA name such as 'Europe/Paris'")
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {tz!r}") from None


def _calendar(value: object) -> HolidayCalendar:
    if not callable(getattr(value, "is_working_day", None)):
        raise InvalidInput("calendar: expected a HolidayCalendar")
    return value  # type: ignore[return-value]


def _pauses(value: object) -> tuple[Pause, ...]:
    return tuple(collection_of(value, Pause, "pauses"))


def local_date(at: datetime, tz: str) -> date:
    """The calendar date of instant ``at`` in the time zone ``tz``."""
    return check_aware(at, "local_date(at)").astimezone(_zone(tz)).date()


def end_of_day(day: date, tz: str) -> datetime:
    """The last instant of ``day`` in ``tz`` (23:59:59.999999 local), in UTC."""
    local = datetime.combine(check_date(day, "end_of_day(day)"), time.max, tzinfo=_zone(tz))
    try:
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput("end_of_day: the instant falls outside the calendar") from None


def add_months(day: date, months: int) -> date:
    """Reg. 1182/71 art. 3(2)(c): same date N months later, or that month's last day."""
    if not isinstance(months, int) or isinstance(months, bool):
        raise InvalidInput("add_months(months): expected an integer")
    try:
        return check_date(day, "add_months(day)") + relativedelta(months=months)
    except (ValueError, OverflowError):
        raise InvalidInput("add_months: the date falls outside the calendar") from None


def roll_forward(day: date, calendar: HolidayCalendar) -> date:
    """Reg. 1182/71 art. 3(4): a Saturday, Sunday or holiday moves to the next working day."""
    day = check_date(day, "roll_forward(day)")
    calendar = _calendar(calendar)
    try:
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    except OverflowError:
        raise InvalidInput("roll_forward: no working day left in the calendar") from None
    return day


@attrs.frozen
class Pause:
    """The clock stopped on ``[start, end)`` (identity information awaited, Art. 12(6)).

    ``end`` None: still waiting; no due date can be given until it ends.
    """

    start: datetime = attrs.field(converter=as_utc, validator=aware)
    end: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )

    def __attrs_post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidInput("Pause.end: before the pause started")

    def days(self, tz: str) -> int | None:
        """Calendar days paused, in the controller's time zone (None while open)."""
        if self.end is None:
            return None
        return (local_date(self.end, tz) - local_date(self.start, tz)).days


def _paused_days(pauses: Iterable[Pause], tz: str) -> int | None:
    total = 0
    for pause in pauses:
        days = pause.days(tz)
        if days is None:
            return None
        total += days
    return total


def _unrolled_due(
    received_at: datetime, months: int, tz: str, pauses: Iterable[Pause]
) -> date | None:
    received = local_date(received_at, tz)  # art. 3(1): the day of receipt is not counted
    paused = _paused_days(pauses, tz)
    if paused is None:
        return None
    return add_months(received, months) + timedelta(days=paused)


def request_due(
    received_at: datetime,
    *,
    tz: str = "Europe/Paris",
    calendar: HolidayCalendar = FRANCE,
    months: int = 1,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """When an answer to a request received at ``received_at`` is due (Art. 12(3)).

    The end of the due day in ``tz``, as a UTC instant; None while a pause is open.
    """
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise InvalidInput("request_due(months): at least one month")
    calendar = _calendar(calendar)
    due = _unrolled_due(received_at, months, tz, _pauses(pauses))
    return None if due is None else end_of_day(roll_forward(due, calendar), tz)


class ExtensionRule(enum.Enum):
    """How the two extra months of Art. 12(3) are counted (the text leaves room)."""

    EARLIER_OF = "earlier-of"  # min(receipt + 3 months, first due + 2 months)
    FROM_RECEIPT = "from-receipt"  # receipt + 3 months
    FROM_FIRST_DUE = "from-first-due"  # first due date + 2 months


def extended_due(
    received_at: datetime,
    *,
    tz: str = "Europe/Paris",
    calendar: HolidayCalendar = FRANCE,
    pauses: Iterable[Pause] = (),
    rule: ExtensionRule = ExtensionRule.EARLIER_OF,
) -> datetime | None:
    """The due date after an extension notified in time, with reasons (Art. 12(3))."""
    pauses = _pauses(pauses)
    calendar = _calendar(calendar)
    if not isinstance(rule, ExtensionRule):
        raise InvalidInput("extended_due(rule): expected an ExtensionRule")
    three = _unrolled_due(received_at, 3, tz, pauses)
    first = _unrolled_due(received_at, 1, tz, pauses)
    if three is None or first is None:
        return None
    two_more = add_months(first, 2)
    due = {
        ExtensionRule.EARLIER_OF: min(three, two_more),
        ExtensionRule.FROM_RECEIPT: three,
        ExtensionRule.FROM_FIRST_DUE: two_more,
    }[rule]
    return end_of_day(roll_forward(due, calendar), tz)


def breach_deadline(aware_at: datetime) -> datetime:
    """Art. 33(1): 72 hours after awareness, as elapsed time (UTC arithmetic)."""
    return check_aware(aware_at, "breach_deadline(aware_at)").astimezone(UTC) + BREACH_NOTIFICATION


def days_left(due_at: datetime, now: datetime, tz: str = "Europe/Paris") -> int:
    """Whole calendar days from today to the due day, in ``tz`` (negative when overdue)."""
    return (local_date(due_at, tz) - local_date(now, tz)).days

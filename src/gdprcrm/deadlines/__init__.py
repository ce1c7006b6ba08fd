"""Statutory deadlines, as pure calendar arithmetic (no clock, no I/O).

* Art. 12(3): a request is answered within one month of receipt, extendable by two
  further months. Periods are counted as Regulation (EEC, Euratom) No 1182/71 art. 3
  says: the day of receipt does not count; a period in months ends at the end of the
  day of the last month with the same date, or of that month's last day if it has no
  such date (31 January + 1 month = 28 or 29 February); a period ending on a Saturday,
  Sunday or public holiday ends at the end of the next working day. The calendar date
  of receipt is the controller's, in its legal time zone, not UTC's.
* France suspends the period while identity information asked for on reasonable doubt
  (Art. 12(6)) is awaited: pauses are intervals, and the end date moves by the number
  of calendar days paused (interpretation).
* The extension: the earlier of receipt + 3 months and first due date + 2 months
  (interpretation; configurable).
* Art. 33(1): a breach is notified within 72 hours of awareness: elapsed time, across
  daylight-saving changes, with no weekend rule.
"""

from gdprcrm.deadlines.calendar import (
    ALSACE_MOSELLE,
    CALENDARS,
    FRANCE,
    HolidayCalendar,
)
from gdprcrm.deadlines.periods import (
    BREACH_NOTIFICATION,
    ExtensionRule,
    Pause,
    add_months,
    breach_deadline,
    days_left,
    end_of_day,
    extended_due,
    local_date,
    request_due,
    roll_forward,
)

__all__ = [
    "ALSACE_MOSELLE",
    "BREACH_NOTIFICATION",
    "CALENDARS",
    "FRANCE",
    "ExtensionRule",
    "HolidayCalendar",
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

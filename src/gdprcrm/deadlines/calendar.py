"""Public-holiday calendars: France built in, Alsace-Moselle as a regional variant.

Easter-based holidays come from ``dateutil.easter`` (Western Easter). A calendar is
data: make your own for another member state or region with :class:`HolidayCalendar`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

import attrs
from dateutil.easter import easter

from gdprcrm.model._checks import to_frozenset

__all__ = ["ALSACE_MOSELLE", "CALENDARS", "FRANCE", "HolidayCalendar"]


@attrs.frozen
class HolidayCalendar:
    """Public holidays: fixed (month, day) pairs, days relative to Easter Sunday, and
    one-off dates."""

    name: str
    fixed: frozenset[tuple[int, int]] = attrs.field(converter=to_frozenset)
    easter_offsets: frozenset[int] = attrs.field(default=frozenset(), converter=to_frozenset)
    extra: frozenset[date] = attrs.field(default=frozenset(), converter=to_frozenset)
    weekend: frozenset[int] = attrs.field(default=frozenset({5, 6}), converter=to_frozenset)
    """Weekday numbers (Monday 0) that are not working days."""

    def holidays(self, year: int) -> frozenset[date]:
        sunday = easter(year)
        days = {date(year, m, d) for m, d in self.fixed}
        days |= {sunday + timedelta(days=n) for n in self.easter_offsets}
        days |= {d for d in self.extra if d.year == year}
        return frozenset(days)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def with_holidays(
        self,
        name: str,
        fixed: frozenset[tuple[int, int]] = frozenset(),
        easter_offsets: frozenset[int] = frozenset(),
        extra: frozenset[date] = frozenset(),
    ) -> HolidayCalendar:
        """A regional calendar: this one plus more holidays."""
        return HolidayCalendar(
            name,
            self.fixed | fixed,
            self.easter_offsets | easter_offsets,
            self.extra | extra,
            self.weekend,
        )


FRANCE = HolidayCalendar(
    "FR",
    fixed=frozenset(
        {
            (1, 1),  # Jour de l'an
            (5, 1),  # Fête du travail
            (5, 8),  # Victoire 1945
            (7, 14),  # Fête nationale
            (8, 15),  # Assomption
            (11, 1),  # Toussaint
            (11, 11),  # Armistice
            (12, 25),  # Noël
        }
    ),
    easter_offsets=frozenset(
        {
            1,  # Lundi de Pâques
            39,  # Ascension
            50,  # Lundi de Pentecôte
        }
    ),
)
"""The French public holidays (Code du travail, art. L3133-1)."""

ALSACE_MOSELLE = FRANCE.with_holidays(
    "FR-ALSACE-MOSELLE",
    fixed=frozenset({(12, 26)}),  # Saint-Étienne
    easter_offsets=frozenset({-2}),  # Vendredi saint
)
"""Bas-Rhin, Haut-Rhin and Moselle (Code du travail, art. L3134-13)."""

CALENDARS: Mapping[str, HolidayCalendar] = MappingProxyType(
    {
        FRANCE.name: FRANCE,
        ALSACE_MOSELLE.name: ALSACE_MOSELLE,
    }
)

"""Where gdprcrm gets the time from.

The pure layers (model, policy, deadlines, documents) never read the wall clock: they
take an instant as an argument. Services take a :class:`Clock`, so tests inject a
:class:`gdprcrm.testing.FrozenClock` and every rule can be checked at any instant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of timezone-aware UTC instants."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real time, in UTC."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"

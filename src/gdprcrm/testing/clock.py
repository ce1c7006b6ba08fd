"""A clock that only moves when told to: for tests, demos and replays."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import check_aware

__all__ = ["T0", "FrozenClock"]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The instant a default FrozenClock starts at (a Monday, 09:00 UTC): the one shared
origin of gdprcrm's own tests and of the shipped fixtures."""


class FrozenClock:
    """A :class:`gdprcrm.Clock` frozen at an instant; :meth:`advance` and :meth:`set` move it.

    >>> clock = FrozenClock(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    >>> clock.advance(days=1).isoformat()
    '2026-02-01T09:00:00+00:00'
    """

    __slots__ = ("_lock", "_now")

    def __init__(self, at: datetime | None = None) -> None:
        self._now = check_aware(at, "FrozenClock(at)") if at is not None else T0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> datetime:
        """Move to ``at`` (backwards too: tests replay history)."""
        with self._lock:
            self._now = check_aware(at, "FrozenClock.set(at)")
            return self._now

    def advance(self, delta: timedelta | relativedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta``, or by ``years=``, ``months=``, ``weeks=``, ``days=``,
        ``hours=``, ``minutes=``, ``seconds=`` (calendar months and years, as
        ``dateutil.relativedelta`` counts them); returns the new instant."""
        if delta is not None and kwargs:
            raise InvalidInput("FrozenClock.advance: give a delta or keywords, not both")
        try:
            step = delta if delta is not None else relativedelta(**kwargs)  # type: ignore[arg-type]
            moved = self._now + step
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"FrozenClock.advance: {exc}") from None
        if moved < self._now:
            raise InvalidInput("FrozenClock.advance: moves forward only (use set())")
        with self._lock:
            self._now = self._now + step
            return self._now

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"

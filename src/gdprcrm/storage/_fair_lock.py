"""A first-come, first-served lock with a bound: writers of one process take turns.

SQLite serialises writers with a busy handler that polls with growing sleeps, so a
writer that waits can lose every race to a thread that writes in a loop (issue 12: a
rectification waited more than six seconds). The threads of one process queue here
first, in arrival order, and the lock is handed to the oldest waiter on release.
"""

from __future__ import annotations

import collections
import threading
import time

__all__ = ["FairLock"]


class FairLock:
    """FIFO mutual exclusion; :meth:`acquire` gives up after ``timeout`` seconds."""

    __slots__ = ("_guard", "_held", "_waiters")

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiters: collections.deque[threading.Event] = collections.deque()

    def acquire(self, timeout: float) -> bool:
        """True once this thread holds the lock; False if ``timeout`` ran out first."""
        with self._guard:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        deadline = time.monotonic() + timeout
        if turn.wait(max(0.0, deadline - time.monotonic())):
            return True  # handed over by release(): held on our behalf
        with self._guard:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        """Hand the lock to the oldest waiter, or free it."""
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()  # stays held, now by that waiter
            else:
                self._held = False

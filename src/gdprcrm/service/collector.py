"""Python's cyclic garbage collector, paused while a sweep erases one batch (P15).

A batch holds a thousand people's states, plans, certificates and trail entries until
it commits: enough surviving objects to set off the collector's full passes, which
scan every object of the process (the host application's too) and find nothing, for
the batch makes almost no reference cycles (measured: 103 collectable objects over a
sweep of 4 000 erasures; its objects are freed by reference counting when the batch
ends). Measured on 4 000 prospects, the previous code and this one alternately in one
process: median 285 -> 254 µs per person (docs/performance.md).

The pause is bounded by one batch and restores the state it found: a collector the
host had disabled stays disabled. Batches running at once in several threads share
one pause, lifted when the last of them ends. A process forked while a batch runs in
another thread starts with the collector as the host had it (that batch does not
exist in the child to lift the pause).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator

__all__ = ["collector_paused"]

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the ``with`` block (reference counting still
    frees everything that is not in a cycle); re-enable it on leaving, however the block
    ends, if it was enabled when the first of the blocks running at once began."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders = max(0, _holders - 1)  # a fork may have reset it meanwhile
            if _holders == 0 and _was_enabled:
                gc.enable()


def _after_fork_in_child() -> None:
    """The child of a fork holds none of the parent's batches: their pause (and a lock a
    parent's thread may have held at the fork) must not outlive them there."""
    global _lock, _holders
    _lock = threading.Lock()
    if _holders:
        _holders = 0
        if _was_enabled:
            gc.enable()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)

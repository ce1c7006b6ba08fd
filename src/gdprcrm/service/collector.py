"""Python's cyclic garbage collector, paused while a sweep erases one batch (P15).

A batch holds a thousand people's states, plans, certificates and trail entries until
it commits: enough surviving objects to set off the collector's full passes, which
scan every object of the process (the host application's too) and find nothing, for
the batch makes almost no reference cycles (measured: 103 collectable objects over a
sweep of 4 000 erasures; its objects are freed by reference counting when the batch
ends). Paused during each batch, a sweep of 4 000 prospects took 312-323 µs per person
against 385-395 with the collector running (docs/performance.md).

The pause is bounded by one batch and restores the state it found: a collector the
host had disabled stays disabled. Batches running at once in several threads share
one pause, lifted when the last of them ends.
"""

from __future__ import annotations

import contextlib
import gc
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
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()

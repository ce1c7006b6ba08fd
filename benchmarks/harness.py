"""Ratio benchmarks: ours vs the raw primitive doing the same work, interleaved.

Each figure is the median, over ``repeats`` rounds, of (our time / raw time), both
measured in the same round, one right after the other. Absolute times on shared
machines mean little; ratios hold.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["UNREACHABLE", "Result", "per_op", "postgres_dsn", "ratio"]

UNREACHABLE = "unreachable"
"""What :func:`postgres_dsn` answers when psycopg is there but the server is not."""


def postgres_dsn() -> str | None:
    """The benchmark server's DSN (``GDPRCRM_TEST_POSTGRES``, else the local server's
    database ``test``); None without psycopg, :data:`UNREACHABLE` if it does not answer."""
    if importlib.util.find_spec("psycopg") is None:
        return None
    import psycopg

    dsn = os.environ.get(
        "GDPRCRM_TEST_POSTGRES", "host=127.0.0.1 port=5432 dbname=test user=postgres"
    )
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error:
        return UNREACHABLE
    return dsn


@dataclass(frozen=True)
class Result:
    target: str
    name: str
    ours_us: float
    raw_us: float
    ratio: float
    bar: float | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.bar is None:
            return "info"
        return "ok" if self.ratio <= self.bar else "OVER"


def per_op(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``fn`` over ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def ratio(
    target: str,
    name: str,
    ours: Callable[[], object],
    raw: Callable[[], object],
    *,
    number: int,
    repeats: int = 7,
    bar: float | None = None,
    note: str = "",
) -> Result:
    """Median ratio ours/raw over interleaved rounds (after one warm-up round)."""
    per_op(ours, max(1, number // 10))
    per_op(raw, max(1, number // 10))
    ours_t, raw_t, ratios = [], [], []
    for i in range(repeats):
        if i % 2:  # alternate the order so neither side always runs second
            r = per_op(raw, number)
            o = per_op(ours, number)
        else:
            o = per_op(ours, number)
            r = per_op(raw, number)
        ours_t.append(o)
        raw_t.append(r)
        ratios.append(o / r)
    return Result(
        target,
        name,
        statistics.median(ours_t) * 1e6,
        statistics.median(raw_t) * 1e6,
        statistics.median(ratios),
        bar,
        note,
    )

"""Policy benchmark: target P9 of PERFORMANCE.md, as a ratio."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from benchmarks.harness import Result, ratio
from gdprcrm.examples import lumiere
from gdprcrm.model import Channel, ConsentGiven, Subject, SubjectId
from gdprcrm.policy import CompiledState, Outreach, SubjectState, decide

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def run(quick: bool = False) -> Iterator[Result]:
    """P9: decide() on loaded state vs a bare dict lookup plus window compare, same size."""
    decl = lumiere.declarations()
    notice = decl.notices[-1].version
    count = 3000
    states: dict[SubjectId, CompiledState] = {}
    raw: dict[tuple[SubjectId, str], tuple[datetime, datetime]] = {}
    plain: dict[SubjectId, SubjectState] = {}
    for i in range(count):
        sid = SubjectId.new()
        subject = Subject(
            sid, "FR", T0, purposes=frozenset({"newsletter"}), birth_date=date(1980, 1, 1)
        )
        given = ConsentGiven(sid, "newsletter", T0 + timedelta(minutes=i), "web", notice)
        withdrawn = given.withdraw(T0 + timedelta(days=100 + i % 50), "link")
        state = SubjectState(subject, (given, withdrawn))
        plain[sid] = state
        states[sid] = CompiledState(state, decl)
        raw[(sid, "newsletter")] = (given.at, withdrawn.at)
    ids = list(states)
    at = T0 + timedelta(days=30)
    for sid in ids:  # compile once, as a host would on load
        states[sid].decide("newsletter", at)
    cycle_ours, cycle_raw, cycle_slow, cycle_mail = (itertools.cycle(ids) for _ in range(4))
    email = Outreach(Channel.EMAIL, "email")

    def ours() -> object:
        return states[next(cycle_ours)].decide("newsletter", at)

    def floor() -> object:
        window = raw.get((next(cycle_raw), "newsletter"))
        return window is not None and window[0] <= at < window[1]

    def uncompiled() -> object:
        return decide(plain[next(cycle_slow)], "newsletter", at, decl)

    def by_email() -> object:
        return decide(plain[next(cycle_mail)], "newsletter", at, decl, outreach=email)

    number = 20_000 if quick else 200_000
    yield ratio(
        "P9",
        "decide(), compiled, 3 000 subjects",
        ours,
        floor,
        number=number,
        bar=2.0,
        note="raw: dict.get + window compare",
    )
    yield ratio(
        "-",
        "decide(), uncompiled, 3 000 subjects",
        uncompiled,
        floor,
        number=number // 10,
        bar=None,
        note="the pure function on each call",
    )
    yield ratio(
        "-",
        "decide(), one e-mail (outreach), 3 000 subjects",
        by_email,
        uncompiled,
        number=number // 10,
        bar=None,
        note="raw: the same decide() without the channel rules",
    )

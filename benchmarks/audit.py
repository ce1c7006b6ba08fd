"""Audit benchmarks: targets P7 and P8 of PERFORMANCE.md, as ratios."""

from __future__ import annotations

import hashlib
import itertools
import json
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from benchmarks.harness import Result, ratio
from gdprcrm.audit import AuditChain, ChainRecord, verify_records
from gdprcrm.model import AuditEntry, SubjectId

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def append(quick: bool) -> Iterator[Result]:
    """P7: appending an entry (in memory) vs canonical JSON + one chain step."""
    chain = AuditChain()
    sid = SubjectId.new()
    head: list[AuditEntry | None] = [None]
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    previous = [b""]
    sid_text = str(sid)
    details = {"channel": "web-form", "notice": "2025-09"}

    # A new instant per entry, as across operations (the entries of one operation share
    # theirs, and the chain then reuses its text: not measured here).
    instants = [T0 + timedelta(microseconds=i) for i in range(1 << 16)]
    ours_at, raw_at = itertools.cycle(instants), itertools.cycle(instants)

    def ours() -> object:
        at = next(ours_at)
        if head[0] is not None and at < head[0].at:  # the cycle restarts: a new chain
            head[0] = None
        entry = chain.next_entry(
            head[0],
            at=at,
            actor="system",
            action="consent.given",
            subject_id=sid,
            purpose_id="newsletter",
            details=details,
        )
        head[0] = entry
        return entry

    def raw() -> object:
        canonical = encoder.encode(
            {
                "action": "consent.given",
                "actor": "system",
                "at": next(raw_at).isoformat(),
                "details": details,
                "purpose": "newsletter",
                "sequence": 1,
                "subject": sid_text,
            }
        ).encode()
        previous[0] = hashlib.sha256(previous[0] + canonical).digest()
        return previous[0]

    yield ratio(
        "P7",
        "audit append (in memory)",
        ours,
        raw,
        number=2000 if quick else 20000,
        bar=1.3,
        note="raw: prebuilt-encoder canonical JSON of a dict + one sha256 step",
    )


def verify(quick: bool) -> Iterator[Result]:
    """P8: verifying a 1 M-entry chain vs a raw hashlib chain loop over the same bytes."""
    count = 100_000 if quick else 1_000_000
    chain = AuditChain()
    sid = SubjectId.new()
    records: list[ChainRecord] = []
    previous = b""
    # Build the stored records directly (the same bytes next_entry would hash).
    from gdprcrm.audit import encode

    template = chain.next_entry(
        None,
        at=T0,
        actor="system",
        action="consent.given",
        subject_id=sid,
        purpose_id="newsletter",
    )
    for i in range(count):
        entry = AuditEntry(
            i, T0 + timedelta(seconds=i), "system", "consent.given", sid, "newsletter"
        )
        canonical = encode(entry)
        own = hashlib.sha256(previous + canonical).digest()
        records.append(ChainRecord(i, canonical, previous, own))
        previous = own
    del template
    raw_rows = [(r.previous_hash, r.canonical, r.hash) for r in records]

    def ours() -> bool:
        return verify_records(records).ok

    def raw() -> bool:
        prev = b""
        sha = hashlib.sha256
        for p, data, h in raw_rows:
            if p != prev or sha(p + data).digest() != h:
                return False
            prev = h
        return True

    assert ours()
    assert raw()
    rounds = []
    for i in range(5):
        if i % 2:
            start = time.perf_counter()
            raw()
            r_t = time.perf_counter() - start
            start = time.perf_counter()
            ours()
            o_t = time.perf_counter() - start
        else:
            start = time.perf_counter()
            ours()
            o_t = time.perf_counter() - start
            start = time.perf_counter()
            raw()
            r_t = time.perf_counter() - start
        rounds.append((o_t, r_t))
    yield Result(
        "P8",
        f"audit verify, {count:,} entries (total)",
        statistics.median(o for o, _ in rounds) * 1e6,
        statistics.median(r for _, r in rounds) * 1e6,
        statistics.median(o / r for o, r in rounds),
        1.2,
        "raw: hashlib chain loop over the same stored bytes",
    )


def run(quick: bool = False) -> Iterator[Result]:
    yield from append(quick)
    yield from verify(quick)

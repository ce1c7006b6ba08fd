"""Controller benchmarks: erase latency must not grow with the subject's data (P5); a
retention sweep's cost follows what is due, not the size of the base (P14)."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.harness import Result
from gdprcrm.examples import lumiere
from gdprcrm.model import (
    Direction,
    Interaction,
    InteractionKind,
    Record,
    RecordId,
    RetentionAction,
    RetentionDue,
    Subject,
    SubjectId,
)
from gdprcrm.service import Controller
from gdprcrm.storage.protocols import MAX_BATCH
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import CertificateSigner, InMemoryKekSource

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
AUDIT_KEY = b"benchmark audit key, kept out of the database"


def _subject(crm: Controller, records: int) -> SubjectId:
    sid = crm.add_subject(
        {"email": f"{records}-{time.perf_counter_ns()}@example.fr", "name": "N"},
        "FR",
        purposes=["newsletter"],
        birth_date=date(1980, 1, 1),
    )
    token = crm.vault.encrypt(sid, "interaction", "x" * 64)
    with crm.storage.unit_of_work() as uow:
        for i in range(records):
            uow.interactions.add(
                Interaction(
                    sid,
                    T0 + timedelta(seconds=i),
                    InteractionKind.CONTACT,
                    Direction.OUTBOUND,
                    "newsletter",
                    "email",
                    content=token,
                )
            )
        uow.commit()
    return sid


def erase_flat(quick: bool) -> Iterator[Result]:
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        crm = Controller.open(
            Path(tmp) / "crm.db",
            lumiere.declarations(),
            kek=InMemoryKekSource(),
            signer=CertificateSigner.generate("bench"),
            audit_key=AUDIT_KEY,
            clock=FrozenClock(T0),
        )
        many = 1_000 if quick else 10_000
        rounds = []
        for _ in range(5):
            small, large = _subject(crm, 10), _subject(crm, many)
            start = time.perf_counter()
            crm.erase(small)
            s_t = time.perf_counter() - start
            start = time.perf_counter()
            crm.erase(large)
            l_t = time.perf_counter() - start
            rounds.append((l_t, s_t))
        crm.close()
    yield Result(
        "P5",
        f"Controller.erase, {many:,} vs 10 records/subject (SQLite)",
        statistics.median(r[0] for r in rounds) * 1e6,
        statistics.median(r[1] for r in rounds) * 1e6,
        statistics.median(r[0] / r[1] for r in rounds),
        1.2,
        "ratio of the two erase latencies: flat when the data volume does not matter",
    )


def _customer_with_records(crm: Controller, records: int) -> SubjectId:
    """A customer with ``records`` orders (stored rows; their key scopes derive from the
    subject's key, so the erasure never visits them)."""
    sid = crm.add_subject(
        {"email": f"c{records}-{time.perf_counter_ns()}@example.fr", "name": "N"},
        "FR",
        purposes=["customer-relationship"],
    )
    crm.add_record(sid, "order", {"reference": "first"})
    with crm.storage.unit_of_work() as uow:
        (first,) = uow.records.for_subject(sid)
        for i in range(records - 1):
            at = T0 - timedelta(minutes=i)
            uow.records.add(
                Record(RecordId.new(), sid, "order", at, at, at, first.due_at, first.ciphertext)
            )
        uow.commit()
    return sid


def erase_flat_records(quick: bool) -> Iterator[Result]:
    """P5 with records: a customer with 10 000 orders costs what one with 10 costs."""
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        crm = Controller.open(
            Path(tmp) / "crm.db",
            lumiere.declarations(),
            kek=InMemoryKekSource(),
            signer=CertificateSigner.generate("bench"),
            audit_key=AUDIT_KEY,
            clock=FrozenClock(T0),
        )
        many = 1_000 if quick else 10_000
        rounds = []
        for _ in range(5):
            small, large = _customer_with_records(crm, 10), _customer_with_records(crm, many)
            start = time.perf_counter()
            assert crm.erase(small).completed
            s_t = time.perf_counter() - start
            start = time.perf_counter()
            assert crm.erase(large).completed
            l_t = time.perf_counter() - start
            rounds.append((l_t, s_t))
        crm.close()
    yield Result(
        "P5",
        f"Controller.erase, {many:,} vs 10 records (orders, SQLite)",
        statistics.median(r[0] for r in rounds) * 1e6,
        statistics.median(r[1] for r in rounds) * 1e6,
        statistics.median(r[0] / r[1] for r in rounds),
        1.2,
        "one key destroyed whatever the number of records; the unreadable rows go when due",
    )


def _inflate(crm: Controller, count: int) -> None:
    """``count`` bystanders: subject rows and schedule entries due in ten years."""
    later = T0 + timedelta(days=3650)
    for start in range(0, count, MAX_BATCH):
        batch = [
            Subject(SubjectId.new(), "FR", T0, purposes=frozenset({"newsletter"}))
            for _ in range(min(MAX_BATCH, count - start))
        ]
        with crm.storage.unit_of_work() as uow:
            uow.subjects.add_many(batch)
            uow.retention.schedule(
                [RetentionDue(s.id, "newsletter", later, RetentionAction.ERASE) for s in batch]
            )
            uow.commit()


ROUNDS = 7
"""Rounds of the P14 facade figure: one sweep per side each, 100 people due each time
(three rounds let a single slow sweep of the larger file move the median)."""


def sweep_flat(quick: bool) -> Iterator[Result]:
    """P14 through the facade: ``Controller.sweep`` over a base of 1 M subjects and over
    one of 100 000, each with the same 100 real subjects due (collected through
    ``add_subject``, their newsletter data three years past its last contact)."""
    total = 100_000 if quick else 1_000_000
    due = 100
    at = T0 + timedelta(days=4 * 365)
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        crms = [
            Controller.open(
                Path(tmp) / f"crm-{n}.db",
                lumiere.declarations(),
                kek=InMemoryKekSource(),
                signer=CertificateSigner.generate("bench"),
                audit_key=AUDIT_KEY,
                clock=FrozenClock(T0),
            )
            for n in (total, total // 10)
        ]
        for crm, n in zip(crms, (total, total // 10), strict=True):
            _inflate(crm, n - due)
        rounds = []
        for r in range(ROUNDS):
            times = [0.0, 0.0]
            # The sides alternate which sweeps first (the harness' rule): the first
            # sweep of a round no longer always meets the other file's page cache.
            for side in (0, 1) if r % 2 == 0 else (1, 0):
                crm = crms[side]
                for i in range(due):
                    crm.add_subject(
                        {"email": f"r{r}-{i}@example.fr", "name": "N"},
                        "FR",
                        purposes=["newsletter"],
                    )
                start = time.perf_counter()
                result = crm.sweep(at)
                times[side] = time.perf_counter() - start
                assert result.examined == due, result
            rounds.append((times[0], times[1]))
        for crm in crms:
            crm.close()
    yield Result(
        "P14",
        f"Controller.sweep, {total:,} vs {total // 10:,} subjects, {due} due (SQLite)",
        statistics.median(r[0] for r in rounds) * 1e6,
        statistics.median(r[1] for r in rounds) * 1e6,
        statistics.median(r[0] / r[1] for r in rounds),
        1.2,
        "flat: the sweep reads only the due part of the schedule",
    )


def run(quick: bool = False) -> Iterator[Result]:
    yield from erase_flat(quick)
    yield from erase_flat_records(quick)
    yield from sweep_flat(quick)

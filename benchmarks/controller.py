"""Controller benchmark: erase latency must not grow with the subject's data (P5)."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.harness import Result
from gdprcrm.examples import lumiere
from gdprcrm.model import Direction, Interaction, InteractionKind, SubjectId
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import CertificateSigner, InMemoryKekSource

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


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


def run(quick: bool = False) -> Iterator[Result]:
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        crm = Controller.open(
            Path(tmp) / "crm.db",
            lumiere.declarations(),
            kek=InMemoryKekSource(),
            signer=CertificateSigner.generate("bench"),
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

"""Sweep throughput (P15): subjects erased per second by a retention sweep over 10 000
due subjects on SQLite, against a raw batched floor doing the same work: the same
deletes, the subjects marked erased, a tombstone in each store, one Ed25519 signature
per subject, one commit per batch of 1 000; and (info) against a floor that also does
the erasure's accountable work in raw code (``benchmarks/sweep_floors.py``)."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.harness import UNREACHABLE, Result, postgres_dsn
from benchmarks.sweep_floors import accountable_floor, raw_floor, raw_floor_postgres
from gdprcrm.examples import lumiere
from gdprcrm.service import Controller, SweepResult
from gdprcrm.signing import CertificateSigner
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.vault import InMemoryKekSource

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
AUDIT_KEY = b"benchmark audit key, kept out of the database"
AT = T0 + timedelta(days=4 * 365)  # newsletter data: three years from the last contact


def _open(folder: Path) -> Controller:
    """The embedded default on SQLite in ``folder``, the French example, at ``T0``."""
    return Controller.open(
        folder / "crm.db",
        lumiere.declarations(),
        kek=InMemoryKekSource(),
        signer=CertificateSigner.generate("bench"),
        audit_key=AUDIT_KEY,
        clock=FrozenClock(T0),
    )


def _populate(
    folder: Path, count: int, *, customers: bool = False
) -> tuple[Controller, list[uuid.UUID]]:
    """``count`` prospects (the newsletter only), or customers (the newsletter and
    invoicing: the sweep at ``AT`` erases their newsletter values and keeps them)."""
    values = {"name": "Client", "invoices": "F-1"} if customers else {"name": "Prospect"}
    purposes = ["newsletter", "invoicing"] if customers else ["newsletter"]
    crm = _open(folder)
    ids = [
        crm.add_subject({**values, "email": f"p{i}@example.fr"}, "FR", purposes=purposes).value
        for i in range(count)
    ]
    return crm, ids


def _timed_sweep(crm: Controller, at: datetime) -> tuple[float, SweepResult]:
    """One sweep of ``crm`` at ``at``: its duration and result; the controller closed."""
    start = time.perf_counter()
    result = crm.sweep(at)
    elapsed = time.perf_counter() - start
    crm.close()
    return elapsed, result


def sweep_throughput(quick: bool) -> Iterator[Result]:
    count = 1_000 if quick else 10_000
    # One round: populating 2 x 10 000 subjects is the long part; the figure is a
    # throughput over thousands of erasures, stable from one run to the next.
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        ours_dir, raw_dir = Path(tmp) / "ours", Path(tmp) / "raw"
        ours_dir.mkdir()
        raw_dir.mkdir()
        ours_t, result = _timed_sweep(_populate(ours_dir, count)[0], AT)
        assert result.erasures_completed == count, result
        other, ids = _populate(raw_dir, count)
        recipients = other.declarations.recipients_of(["newsletter"])
        other.close()
        accountable_dir = Path(tmp) / "accountable"
        shutil.copytree(raw_dir, accountable_dir)
        raw_t = raw_floor(raw_dir, ids, CertificateSigner.generate("bench"))
        accountable_t = accountable_floor(
            accountable_dir, ids, CertificateSigner.generate("bench"), AUDIT_KEY, recipients
        )
    yield Result(
        "P15",
        f"sweep erasing {count:,} due subjects (SQLite), per subject",
        ours_t / count * 1e6,
        raw_t / count * 1e6,
        ours_t / raw_t,
        2.0,
        f"{count / ours_t:,.0f} subjects/s against a batched floor of {count / raw_t:,.0f}/s",
    )
    yield Result(
        "-",
        f"sweep erasing {count:,} due subjects vs an accountable floor (SQLite), per subject",
        ours_t / count * 1e6,
        accountable_t / count * 1e6,
        ours_t / accountable_t,
        None,
        "info: the floor also reads, rewrites, chains the trail, signs JSON, queues notices",
    )


def sweep_postgres(quick: bool) -> Iterator[Result]:
    """P15 on PostgreSQL (info: P15's bar is SQLite's): every statement a round trip."""
    dsn = postgres_dsn()
    if dsn is None:
        return
    if dsn == UNREACHABLE:
        yield Result("-", "sweep on PostgreSQL (server unreachable)", 0, 0, 0, None)
        return
    import psycopg

    from gdprcrm.storage.postgres import PostgresStorage

    count = 300 if quick else 2_000
    schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    times = []
    for n, schema in enumerate(schemas):
        clock = FrozenClock(T0)
        crm = make_controller(clock=clock, storage=PostgresStorage(dsn, schema=schema))
        ids = [
            crm.add_subject(
                {"email": f"p{i}@example.fr", "name": "Prospect"}, "FR", purposes=["newsletter"]
            ).value
            for i in range(count)
        ]
        if n == 0:
            elapsed, result = _timed_sweep(crm, AT)
            times.append(elapsed)
            assert result.erasures_completed == count, result
        else:
            crm.close()
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                times.append(raw_floor_postgres(conn, ids, CertificateSigner.generate("b")))
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    ours_t, raw_t = times
    yield Result(
        "-",
        f"sweep erasing {count:,} due subjects (PostgreSQL), per subject",
        ours_t / count * 1e6,
        raw_t / count * 1e6,
        ours_t / raw_t,
        None,
        "info: the SQLite floor's statements through psycopg, one round trip each",
    )


def partial_expiry(quick: bool) -> Iterator[Result]:
    """Info: a sweep where each person keeps a purpose (their newsletter values erased,
    their invoices kept), per person, against the full erasure of as many prospects:
    both batched (one unit of work and one key-store transaction per 500 people)."""
    count = 500 if quick else 2_000
    times = []
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        for customers in (True, False):
            folder = Path(tmp) / ("customers" if customers else "prospects")
            folder.mkdir()
            elapsed, result = _timed_sweep(_populate(folder, count, customers=customers)[0], AT)
            times.append(elapsed)
            assert result.erased == count, result
    partial_t, full_t = times
    yield Result(
        "-",
        f"sweep, {count:,} partial expiries vs as many full erasures (SQLite), per subject",
        partial_t / count * 1e6,
        full_t / count * 1e6,
        partial_t / full_t,
        None,
        "info: partial expiries batched as full erasures (sweep_expiry); the scopes' certificates",
    )


def records_expiry(quick: bool) -> Iterator[Result]:
    """Info: a sweep where each customer's one order ran out (five years from its date;
    the contract keeps the customer), per person, against the full erasure of as many
    prospects: both batched (one unit and one key-store transaction per 500 people)."""
    count = 500 if quick else 2_000
    times = []
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        folder = Path(tmp) / "customers"
        folder.mkdir()
        crm = _open(folder)
        for i in range(count):
            sid = crm.add_subject(
                {"name": "Client", "email": f"c{i}@example.fr"},
                "FR",
                purposes=["customer-relationship"],
            )
            crm.add_record(sid, "order", {"reference": f"C-{i}"})
        elapsed, result = _timed_sweep(crm, T0 + timedelta(days=5 * 366))
        times.append(elapsed)
        assert result.records_erased == count, result
        folder = Path(tmp) / "prospects"
        folder.mkdir()
        elapsed, result = _timed_sweep(_populate(folder, count)[0], AT)
        times.append(elapsed)
        assert result.erasures_completed == count, result
    records_t, full_t = times
    yield Result(
        "-",
        f"sweep, {count:,} expired records vs as many full erasures (SQLite), per subject",
        records_t / count * 1e6,
        full_t / count * 1e6,
        records_t / full_t,
        None,
        "info: one record per person (sweep_records); the scopes' certificates",
    )


def run(quick: bool = False) -> Iterator[Result]:
    yield from sweep_throughput(quick)
    yield from sweep_postgres(quick)
    yield from partial_expiry(quick)
    yield from records_expiry(quick)

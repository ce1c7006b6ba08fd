"""Storage benchmarks: targets P11, P12 and P14 of PERFORMANCE.md, as ratios.

Each side runs the same statements on its own database, interleaved: ours through the
adapter (units of work, model objects, the shared converter), raw through sqlite3 or
psycopg directly.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import UNREACHABLE, Result, postgres_dsn
from gdprcrm.model import (
    BlindIndexEntry,
    Lookup,
    PersonalField,
    RetentionAction,
    RetentionDue,
    Subject,
    SubjectId,
)
from gdprcrm.storage import _sql
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault, MemoryKeyStore

SIGNER = CertificateSigner.generate("bench")
T0 = datetime(2026, 1, 5, tzinfo=UTC)
FIELDS = ("email", "name", "phone", "address", "company")
BATCH = 1000


def _vault() -> KeyVault:
    return KeyVault(MemoryKeyStore(), InMemoryKekSource(), signer=SIGNER)


def _people(count: int) -> list[tuple[Subject, dict[str, str]]]:
    return [
        (
            Subject(SubjectId.new(), "FR", T0, purposes=frozenset({"newsletter"})),
            {f: f"{f}-{uuid.uuid4().hex[:10]}-{i}@example.fr" for f in FIELDS},
        )
        for i in range(count)
    ]


def _ours_insert(storage: Storage, vault: KeyVault, people: list[Any]) -> None:
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        with storage.unit_of_work() as uow:
            fields, index = [], []
            uow.subjects.add_many([subject for subject, _ in chunk])
            for subject, values in chunk:
                sid = subject.id
                for name, value in values.items():
                    fields.append(PersonalField(sid, name, vault.encrypt(sid, name, value), T0))
                index.append(
                    BlindIndexEntry(
                        sid,
                        "email",
                        Lookup.EMAIL,
                        vault.blind_index(Lookup.EMAIL, values["email"]),
                    )
                )
            uow.subjects.put_fields(fields)
            uow.subjects.put_index(index)
            uow.commit()


def _raw_insert(
    run: Callable[[str, list[Any]], object],
    begin: Callable[[], object],
    commit: Callable[[], object],
    vault: KeyVault,
    people: list[Any],
) -> None:
    """The same statements, rows built by hand (json of a hand-written dict)."""
    stamp = _sql.ts(T0)
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        begin()
        subjects, fields, index = [], [], []
        for subject, values in chunk:
            sid = subject.id
            doc = json.dumps(
                {
                    "id": str(sid),
                    "jurisdiction": "FR",
                    "collected_at": T0.isoformat(),
                    "purposes": ["newsletter"],
                    "birth_date": None,
                    "attested_age": None,
                    "source": None,
                    "status": "active",
                },
                separators=(",", ":"),
            )
            subjects.append((sid.bytes, "active", doc))
            for name, value in values.items():
                fields.append((sid.bytes, name, vault.encrypt(sid, name, value), stamp))
            index.append(
                (sid.bytes, "email", "email", vault.blind_index(Lookup.EMAIL, values["email"]))
            )
        run("INSERT INTO gdprcrm_subjects VALUES (?, ?, ?)", subjects)
        run(
            "INSERT INTO gdprcrm_fields VALUES (?, ?, ?, ?) ON CONFLICT (subject_id, name) "
            "DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
            fields,
        )
        run(
            "INSERT INTO gdprcrm_index VALUES (?, ?, ?, ?) ON CONFLICT (subject_id, field) "
            "DO UPDATE SET kind = excluded.kind, digest = excluded.digest",
            index,
        )
        commit()


def _median_ratio(rounds: list[tuple[float, float]]) -> tuple[float, float, float]:
    ours = statistics.median(o for o, _ in rounds)
    raw = statistics.median(r for _, r in rounds)
    return ours, raw, statistics.median(o / r for o, r in rounds)


def sqlite_insert_and_lookup(quick: bool, work: Path) -> Iterator[Result]:
    """P11: bulk insert of encrypted rows, then point reads by blind index."""
    count = 5000 if quick else 20000
    repeats = 5
    vault = _vault()
    ours_db = SQLiteStorage(work / "ours.db")
    SQLiteStorage(work / "raw.db").close()  # same schema, then driven by hand
    raw = sqlite3.connect(work / "raw.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("PRAGMA foreign_keys=ON")
    rounds: list[tuple[float, float]] = []
    everyone: list[Any] = []

    def timed(action: Callable[[], object]) -> float:
        start = time.perf_counter()
        action()
        return (time.perf_counter() - start) / count

    for i in range(repeats):
        a, b = _people(count), _people(count)
        everyone += a

        def ours_side(people: list[Any] = a) -> None:
            _ours_insert(ours_db, vault, people)

        def raw_side(people: list[Any] = b) -> None:
            _raw_insert(
                lambda s, rows: raw.executemany(s, rows),
                lambda: raw.execute("BEGIN"),
                lambda: raw.execute("COMMIT"),
                vault,
                people,
            )

        if i % 2:  # alternate which side runs first
            r_t = timed(raw_side)
            o_t = timed(ours_side)
        else:
            o_t = timed(ours_side)
            r_t = timed(raw_side)
        rounds.append((o_t, r_t))
    o, r, ratio = _median_ratio(rounds)
    yield Result(
        "P11",
        "SQLite bulk insert, per subject (5 fields)",
        o * 1e6,
        r * 1e6,
        ratio,
        1.2,
        "raw: same statements, executemany, vault encrypt",
    )

    # Point lookups: blind index -> subject -> fields -> decrypt.
    probes = [values["email"] for _, values in everyone[:2000]]
    raw_ro = sqlite3.connect(work / "ours.db", isolation_level=None)

    def ours_lookup(email: str) -> str | bytes:
        digest = vault.blind_index(Lookup.EMAIL, email)
        with ours_db.unit_of_work(read_only=True) as uow:
            (sid,) = uow.subjects.find_by_index(Lookup.EMAIL, digest)
            (field,) = uow.subjects.fields(sid, ["email"])
        return vault.decrypt(sid, "email", field.ciphertext)

    def raw_lookup(email: str) -> str | bytes:
        digest = vault.blind_index(Lookup.EMAIL, email)
        raw_ro.execute("BEGIN")
        (subject,) = raw_ro.execute(
            "SELECT DISTINCT subject_id FROM gdprcrm_index WHERE kind = ? AND digest = ?",
            ("email", digest),
        ).fetchone()
        rows = raw_ro.execute(
            "SELECT name, ciphertext, updated_at FROM gdprcrm_fields WHERE subject_id = ?",
            (subject,),
        ).fetchall()
        raw_ro.execute("COMMIT")
        sid = SubjectId(uuid.UUID(bytes=subject))
        blob = next(c for n, c, _ in rows if n == "email")
        return vault.decrypt(sid, "email", blob)

    assert ours_lookup(probes[0]) == raw_lookup(probes[0]) == probes[0]
    rounds = []

    def probed(lookup: Callable[[str], object]) -> float:
        start = time.perf_counter()
        for email in probes:
            lookup(email)
        return (time.perf_counter() - start) / len(probes)

    for i in range(repeats):  # alternate which side runs first, as ratio() does
        if i % 2:
            r_t = probed(raw_lookup)
            o_t = probed(ours_lookup)
        else:
            o_t = probed(ours_lookup)
            r_t = probed(raw_lookup)
        rounds.append((o_t, r_t))
    o, r, ratio = _median_ratio(rounds)
    yield Result(
        "P11",
        "SQLite point read by blind index + decrypt",
        o * 1e6,
        r * 1e6,
        ratio,
        1.2,
        "raw: indexed SELECT x2 in a transaction + decrypt",
    )
    raw_ro.close()
    raw.close()
    ours_db.close()


def _schedule_db(path: Path, total: int, due: int) -> SQLiteStorage:
    storage = SQLiteStorage(path)
    raw = sqlite3.connect(path, isolation_level=None)
    every = total // due
    rows = [
        (
            os.urandom(16),
            "newsletter",
            _sql.ts(T0 if i % every == 0 else T0 + timedelta(days=400 + i % 1000)),
            "erase",
        )
        for i in range(total)
    ]
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO gdprcrm_retention VALUES (?, ?, ?, ?)", rows)
    raw.execute("COMMIT")
    raw.close()
    return storage


def retention_sweep(quick: bool, work: Path) -> Iterator[Result]:
    """P14: the retention-due query over 1 M subjects with 1 % due.

    Against a full scan through the port (every schedule row read and turned into a
    RetentionDue, the due ones kept: what a sweep without the index must do), and,
    for flatness, against the same query on a base ten times smaller with the same
    number due.
    """
    total = 100_000 if quick else 1_000_000
    due = total // 100
    cut = T0 + timedelta(days=1)
    big = _schedule_db(work / "sweep-big.db", total, due)
    small = _schedule_db(work / "sweep-small.db", total // 10, due)
    raw = sqlite3.connect(work / "sweep-big.db", isolation_level=None)
    actions = {a.value: a for a in RetentionAction}

    def query(storage: SQLiteStorage) -> int:
        with storage.unit_of_work(read_only=True) as uow:
            return len(uow.retention.due_before(cut, limit=due * 2))

    def full_scan() -> int:
        kept = []
        for s, pid, at, action in raw.execute(
            "SELECT subject_id, purpose_id, due_at, action FROM gdprcrm_retention"
        ):
            row = _sql.trusted(
                RetentionDue, _sql.sid_of(s), pid, _sql.from_ts(at), actions[action]
            )
            if row.due_at <= cut:
                kept.append(row)
        return len(kept)

    assert query(big) == query(small) == full_scan() == due
    scan_rounds, flat_rounds = [], []
    for _ in range(5):
        start = time.perf_counter()
        query(big)
        o_t = time.perf_counter() - start
        start = time.perf_counter()
        full_scan()
        r_t = time.perf_counter() - start
        start = time.perf_counter()
        query(small)
        s_t = time.perf_counter() - start
        scan_rounds.append((o_t, r_t))
        flat_rounds.append((o_t, s_t))
    o, r, ratio = _median_ratio(scan_rounds)
    yield Result(
        "P14",
        f"due query, {total:,} subjects, 1 % due, vs full scan",
        o * 1e6,
        r * 1e6,
        ratio,
        0.02,
        "bar: >= 50x faster than reading every row (<= 0.02)",
    )
    o, r, ratio = _median_ratio(flat_rounds)
    yield Result(
        "P14",
        f"due query, {total:,} vs {total // 10:,} subjects, same due",
        o * 1e6,
        r * 1e6,
        ratio,
        1.2,
        "flat: time follows the due count, not the total",
    )
    raw.close()
    big.close()
    small.close()


def postgres_insert(quick: bool) -> Iterator[Result]:
    """P12: PostgreSQL bulk insert vs raw psycopg executemany of the same rows."""
    dsn = postgres_dsn()
    if dsn is None:
        return
    if dsn == UNREACHABLE:
        yield Result("P12", "PostgreSQL bulk insert (server unreachable)", 0, 0, 0, None)
        return
    import psycopg

    from gdprcrm.storage.postgres import PostgresStorage

    ours_schema, raw_schema = f"bench_{uuid.uuid4().hex[:8]}", f"bench_{uuid.uuid4().hex[:8]}"
    ours_db = PostgresStorage(dsn, schema=ours_schema)
    PostgresStorage(dsn, schema=raw_schema).close()
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(f'SET search_path TO "{raw_schema}"')
    cur = conn.cursor()
    vault = _vault()
    count = 2000 if quick else 10000
    rounds = []
    for _ in range(5):
        a, b = _people(count), _people(count)
        start = time.perf_counter()
        _ours_insert(ours_db, vault, a)
        o_t = (time.perf_counter() - start) / count
        start = time.perf_counter()
        _raw_insert(
            lambda s, rows: cur.executemany(s.replace("?", "%s"), rows),
            lambda: conn.execute("BEGIN"),
            lambda: conn.execute("COMMIT"),
            vault,
            b,
        )
        r_t = (time.perf_counter() - start) / count
        rounds.append((o_t, r_t))
    o, r, ratio = _median_ratio(rounds)
    yield Result(
        "P12",
        "PostgreSQL bulk insert, per subject (5 fields)",
        o * 1e6,
        r * 1e6,
        ratio,
        1.3,
        "raw: same statements, psycopg executemany, vault encrypt",
    )
    ours_db.close()
    for schema in (ours_schema, raw_schema):
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    conn.close()


def run(quick: bool = False) -> Iterator[Result]:
    with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
        work = Path(tmp)
        yield from sqlite_insert_and_lookup(quick, work)
        yield from postgres_insert(quick)
        yield from retention_sweep(quick, work)

"""Key-scope cost (P16): collecting people whose five values fall in three key scopes
(what ``add_subject`` does since 0.2) against the same collection under one key per
person (P11's path before key scopes), both with the SQLite data store and the SQLite
key store, so that every key costs what it costs in production."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from benchmarks.harness import Result
from benchmarks.storage import FIELDS, SIGNER, T0, _people
from gdprcrm.model import BlindIndexEntry, Lookup, PersonalField
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.vault import InMemoryKekSource, KeyVault

GROUPS = 3


def _collect(folder: Path, count: int, *, scoped: bool) -> float:
    storage = SQLiteStorage(folder / "crm.db")
    vault = KeyVault(storage.key_store(), InMemoryKekSource(), signer=SIGNER)
    people = _people(count)
    start = time.perf_counter()
    for subject, values in people:
        sid = subject.id
        scopes = [uuid.uuid4() for _ in range(GROUPS)]
        if scoped:
            vault.prepare_scopes(sid, scopes)
            fields = [
                PersonalField(
                    sid, name, vault.encrypt_scoped(sid, scopes[i % GROUPS], name, value), T0
                )
                for i, (name, value) in enumerate(values.items())
            ]
        else:
            fields = [
                PersonalField(sid, name, vault.encrypt(sid, name, value), T0)
                for name, value in values.items()
            ]
        index = BlindIndexEntry(
            sid, "email", Lookup.EMAIL, vault.blind_index(Lookup.EMAIL, values["email"])
        )
        with storage.unit_of_work() as uow:
            uow.subjects.add(subject)
            uow.subjects.put_fields(fields)
            uow.subjects.put_index([index])
            uow.commit()
    elapsed = time.perf_counter() - start
    storage.close()
    return elapsed / count


def scope_cost(quick: bool) -> Iterator[Result]:
    count = 200 if quick else 1_000
    rounds = []
    for i in range(5):  # durable commits are noisy: five rounds, the order alternating
        with tempfile.TemporaryDirectory(prefix="gdprcrm-bench-") as tmp:
            one, many = Path(tmp) / "one", Path(tmp) / "scoped"
            one.mkdir()
            many.mkdir()
            if i % 2:
                scoped = _collect(many, count, scoped=True)
                single = _collect(one, count, scoped=False)
            else:
                single = _collect(one, count, scoped=False)
                scoped = _collect(many, count, scoped=True)
            rounds.append((scoped, single))
    yield Result(
        "P16",
        f"collect {len(FIELDS)} values in {GROUPS} key scopes vs one key (SQLite, per person)",
        statistics.median(r[0] for r in rounds) * 1e6,
        statistics.median(r[1] for r in rounds) * 1e6,
        statistics.median(r[0] / r[1] for r in rounds),
        1.2,
        "the scopes' keys are created with the person's in one key-store commit",
    )


def run(quick: bool = False) -> Iterator[Result]:
    yield from scope_cost(quick)

"""Erasure as a record of its own: repeated or concurrent erasures repeat nothing
(Art. 17, 19, 5(2)): one set of Art. 19 notices, one audit trail, one certificate."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gdprcrm.errors import UnknownRecord
from gdprcrm.model import RestrictionGround, SubjectStatus
from gdprcrm.service import Controller, ErasureOutcome
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import FrozenClock, make_controller

CUSTOMER = {"email": "lea@example.fr", "name": "Léa", "invoices": "F-1"}
PURPOSES = ["newsletter", "invoicing"]


def _actions(crm: Controller) -> list[str]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return [e.action for e in uow.audit.range(0)]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def storage_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Storage]]:
    if request.param == "memory":
        yield MemoryStorage
    elif request.param == "sqlite":
        yield lambda: SQLiteStorage(tmp_path / "crm.db")
    else:
        from gdprcrm.storage.postgres import PostgresStorage
        from tests.conftest import fresh_schema

        dsn = request.getfixturevalue("postgres_dsn")
        schema = fresh_schema()
        yield lambda: PostgresStorage(dsn, schema=schema)


def test_erasing_twice_repeats_nothing(storage_factory: Callable[[], Storage]) -> None:
    crm = make_controller(storage=storage_factory())
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    first = crm.erase(sid)
    assert first.completed
    assert first.certificate is not None
    with pytest.raises(UnknownRecord):
        crm.erase(sid)  # erased is erased: a second request finds nobody
    assert _actions(crm).count("subject.erased") == 1
    assert len(crm.pending_notifications()) == 1  # the newsletter's mailer, once
    crm.close()


def test_erasing_again_while_a_hold_runs_queues_nothing_more(
    storage_factory: Callable[[], Storage],
) -> None:
    crm = make_controller(storage=storage_factory())
    sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)
    held = crm.erase(sid)
    again = crm.erase(sid)
    assert not held.completed
    assert not again.completed
    assert again.plan.held == held.plan.held  # what was erased is gone; the held wait
    assert _actions(crm).count("erasure.started") == 1
    assert _actions(crm).count("erasure.data-deleted") == 1
    assert len(crm.pending_notifications()) == len(held.recipients)
    crm.close()


def test_concurrent_erasures_issue_one_certificate(
    storage_factory: Callable[[], Storage],
) -> None:
    storage = storage_factory()
    crm = make_controller(storage=storage)
    sids = [
        crm.add_subject({"email": f"p{i}@example.fr"}, "FR", purposes=["newsletter"])
        for i in range(5)
    ]
    outcomes: list[ErasureOutcome] = []
    failures: list[BaseException] = []

    def worker(sid: object) -> None:
        try:
            outcomes.append(crm.erase(sid))  # type: ignore[arg-type]
        except UnknownRecord:
            pass  # the other thread finished first: erased is erased
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    for sid in sids:
        threads = [threading.Thread(target=worker, args=(sid,)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a concurrent erasure hung for 120 s"
    assert failures == []
    certificates = [o.certificate for o in outcomes if o.certificate is not None]
    assert len(certificates) == len(sids)
    assert not any(c.already_shredded for c in certificates)
    actions = _actions(crm)
    assert actions.count("erasure.started") == len(sids)
    assert actions.count("subject.erased") == len(sids)
    assert len(crm.pending_notifications()) == len(sids)
    assert all(crm.subject(s).status is SubjectStatus.ERASED for s in sids)
    assert crm.verify_audit().ok
    crm.close()


def test_lifting_a_legal_claims_restriction_lets_the_erasure_finish() -> None:
    # Art. 17(3)(e): data needed for legal claims wait, undated, until the restriction
    # is lifted; then the next resume completes the erasure.
    clock = FrozenClock()
    crm = make_controller(clock=clock)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    claims = crm.restrict(sid, RestrictionGround.NEEDED_FOR_LEGAL_CLAIMS)
    waiting = crm.erase(sid)
    assert not waiting.completed
    assert waiting.plan.hold_until is None
    assert crm.resume_erasures() == []
    informed = clock.advance(days=1)
    crm.lift_restriction(claims, informed_at=informed, at=clock.advance(days=1))
    (done,) = crm.resume_erasures()
    assert done.completed
    assert done.certificate is not None

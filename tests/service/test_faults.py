"""Fault injection through the Controller: each write of an operation fails once in
turn; retrying reaches the end state of an undisturbed run, with nothing half-done and
no duplicate audit entry or Art. 19 notification (Art. 5(1)(f), 5(2), 17, 19)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from gdprcrm.model import RestrictionGround, SubjectId
from gdprcrm.service import Controller
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import REPOSITORIES, Storage, UnitOfWork
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import T0, FrozenClock, make_controller
from gdprcrm.testing.conformance import FaultInjected
from gdprcrm.vault import KeyStore

CUSTOMER = {"email": "lea@example.fr", "name": "Léa", "invoices": "F-1", "orders": "o-1"}
PURPOSES = ["newsletter", "customer-relationship", "invoicing"]


class _Writes:
    """Counts writes across every unit; raises FaultInjected at the ``fail_at``-th."""

    def __init__(self) -> None:
        self.count = 0
        self.fail_at = 0

    def tick(self, where: str) -> None:
        self.count += 1
        if self.count == self.fail_at:
            raise FaultInjected(f"write {self.count} ({where}) failed on purpose")


class _Repository:
    def __init__(self, target: Any, writes: tuple[str, ...], counter: _Writes, name: str):
        self._target, self._writes, self._counter, self._name = target, writes, counter, name

    def __getattr__(self, attr: str) -> Any:
        found = getattr(self._target, attr)
        if attr not in self._writes:
            return found

        def write(*args: Any, **kwargs: Any) -> Any:
            self._counter.tick(f"{self._name}.{attr}")
            return found(*args, **kwargs)

        return write


class _Unit:
    def __init__(self, unit: UnitOfWork, counter: _Writes) -> None:
        self._unit = unit
        for spec in REPOSITORIES:
            setattr(
                self,
                spec.name,
                _Repository(getattr(unit, spec.name), spec.writes, counter, spec.name),
            )

    def commit(self) -> None:
        self._unit.commit()


class FaultyStorage(Storage):
    """A storage whose N-th write, counted across units, fails once."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.writes = _Writes()

    @contextlib.contextmanager
    def _unit(self, read_only: bool) -> Iterator[Any]:
        with self.inner.unit_of_work(read_only=read_only) as unit:
            yield _Unit(unit, self.writes)

    def unit_of_work(self, *, read_only: bool = False) -> Any:
        return self._unit(read_only)

    def key_store(self) -> KeyStore:
        return self.inner.key_store()

    def close(self) -> None:
        self.inner.close()

    def purge(self) -> bool:
        return self.inner.purge()


def _state(crm: Controller, sid: SubjectId) -> dict[str, object]:
    """What must come out the same: the subject, its values, the trail, the Art. 19 queue."""
    with crm.storage.unit_of_work(read_only=True) as uow:
        subject = uow.subjects.get(sid)
        actions = Counter(e.action for e in uow.audit.range(0))
        notices = Counter(
            (n.recipient_id, n.event.value) for n in uow.notifications.for_subject(sid)
        )
        pending = uow.erasures.find(sid)
    values = {} if subject.status.value == "erased" else crm.values(sid)
    return {
        "status": subject.status,
        "purposes": subject.purposes,
        "values": values,
        "actions": actions,
        "notices": notices,
        "pending": None if pending is None else pending.step,
        "audit_ok": crm.verify_audit().ok,
    }


Operation = Callable[[Controller, SubjectId], object]

OPERATIONS: dict[str, Operation] = {
    "erase": lambda crm, sid: crm.erase(sid),
    "rectify": lambda crm, sid: crm.rectify(sid, {"email": "lea@fixed.example"}),
    "object": lambda crm, sid: crm.object(sid, direct_marketing=True),
    "restrict": lambda crm, sid: crm.restrict(sid, RestrictionGround.ACCURACY_CONTESTED),
    "sweep": lambda crm, sid: crm.sweep(at=T0 + relativedelta(years=11)),
    # the newsletter runs out, the contract and the invoices keep the person: the batch
    # of partial expiries (sweep_expiry)
    "sweep-one-purpose": lambda crm, sid: crm.sweep(at=T0 + relativedelta(years=3, days=2)),
    "add_purposes": lambda crm, sid: crm.add_purposes(sid, ["after-sales"]),
}


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Storage]:
    if request.param == "memory":
        return lambda name: MemoryStorage()
    if request.param == "sqlite":
        return lambda name: SQLiteStorage(tmp_path / f"{name}.db")
    from gdprcrm.storage.postgres import PostgresStorage
    from tests.conftest import fresh_schema

    dsn = request.getfixturevalue("postgres_dsn")
    return lambda name: PostgresStorage(dsn, schema=fresh_schema())


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_write_of_an_operation_fails_once_and_the_retry_ends_as_a_clean_run(
    operation: str, make_storage: Callable[[str], Storage]
) -> None:
    act = OPERATIONS[operation]

    def setup(storage: Storage) -> tuple[Controller, SubjectId]:
        crm = make_controller(clock=FrozenClock(), storage=storage)
        sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)
        return crm, sid

    reference, ref_sid = setup(make_storage("reference"))
    act(reference, ref_sid)
    expected = _state(reference, ref_sid)
    reference.close()

    n = 0
    while True:
        n += 1
        faulty = FaultyStorage(make_storage(f"run-{n}"))
        crm, sid = setup(faulty)
        faulty.writes.count, faulty.writes.fail_at = 0, n
        try:
            act(crm, sid)
        except FaultInjected:
            act(crm, sid)  # the retry: what a host's job runner does
        else:
            assert n > 1, "the operation wrote nothing"
            crm.close()
            break
        got = _state(crm, sid)
        assert got == expected, f"{operation}: a failure at write {n} left a different end state"
        crm.close()

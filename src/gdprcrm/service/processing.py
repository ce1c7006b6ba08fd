"""Processing (Art. 5, 6, 7, 8, 9, 17, 18, 21): deciding, and guarding real processing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

from gdprcrm.errors import ProcessingRefused
from gdprcrm.model import SubjectId
from gdprcrm.policy import CompiledState, Decision, Operation, SubjectState, decide
from gdprcrm.service.kernel import Kernel

__all__ = ["decide_now", "decider", "load_state", "processing"]


def load_state(k: Kernel, subject_id: SubjectId) -> SubjectState:
    with k.storage.unit_of_work(read_only=True) as uow:
        return k.load_state(uow, uow.subjects.get(subject_id))


def decide_now(
    k: Kernel, subject_id: SubjectId, purpose_id: str, at: datetime | None, operation: Operation
) -> Decision:
    when = k.now(at)
    state = load_state(k, subject_id)
    return decide(state, purpose_id, when, k.declarations, operation=operation, ages=k.ages)


def decider(k: Kernel, subject_id: SubjectId) -> CompiledState:
    return CompiledState(load_state(k, subject_id), k.declarations, ages=k.ages)


@contextlib.contextmanager
def processing(
    k: Kernel, subject_id: SubjectId, purpose_id: str, operation: Operation
) -> Iterator[Decision]:
    """Decide and audit in one unit; refuse with ProcessingRefused (Art. 5(2))."""
    now = k.clock.now()
    with k.storage.unit_of_work() as uow:
        state = k.load_state(uow, uow.subjects.get(subject_id))
        decision = decide(state, purpose_id, now, k.declarations, operation=operation, ages=k.ages)
        if decision.allowed:
            action, details = "processing.allowed", {"operation": operation.value}
        else:
            action, details = "processing.refused", {"reason": decision.reasons[0].code}
        k.audit(uow, action, subject_id, purpose_id, at=now, details=details)
        uow.commit()
    if not decision.allowed:
        raise ProcessingRefused(decision)
    yield decision

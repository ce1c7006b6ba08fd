"""Processing (Art. 5, 6, 7, 8, 9, 17, 18, 21): deciding, and guarding real processing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

from gdprcrm.errors import ProcessingRefused
from gdprcrm.model import DetailValue, DutyTrigger, SubjectId
from gdprcrm.policy import CompiledState, Decision, Operation, Outreach, SubjectState, decide
from gdprcrm.service import information
from gdprcrm.service.kernel import Kernel

__all__ = [
    "ProcessingOperations",
    "decide_for",
    "decide_now",
    "decider",
    "load_state",
    "processing",
]


def load_state(k: Kernel, subject_id: SubjectId) -> SubjectState:
    with k.storage.unit_of_work(read_only=True) as uow:
        return k.load_state(uow, uow.subjects.get(subject_id))


def decide_now(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    at: datetime | None,
    operation: Operation,
    outreach: Outreach | None = None,
) -> Decision:
    when = k.now(at)
    state = load_state(k, subject_id)
    return decide_for(k, state, purpose_id, when, operation, outreach)


def decide_for(
    k: Kernel,
    state: SubjectState,
    purpose_id: str,
    at: datetime,
    operation: Operation,
    outreach: Outreach | None,
) -> Decision:
    """decide() with the controller's ages, channel laws and calendar."""
    return decide(
        state,
        purpose_id,
        at,
        k.declarations,
        operation=operation,
        ages=k.ages,
        outreach=outreach,
        laws=k.laws,
        calendar=k.calendar,
    )


def decider(k: Kernel, subject_id: SubjectId) -> CompiledState:
    return CompiledState(load_state(k, subject_id), k.declarations, ages=k.ages)


@contextlib.contextmanager
def processing(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    operation: Operation,
    outreach: Outreach | None = None,
) -> Iterator[Decision]:
    """Decide and audit in one unit; refuse with ProcessingRefused (Art. 5(2))."""
    now = k.clock.now()
    with k.storage.unit_of_work() as uow:
        state = k.load_state(uow, uow.subjects.get(subject_id))
        decision = decide_for(k, state, purpose_id, now, operation, outreach)
        details: dict[str, DetailValue]
        if decision.allowed:
            action, details = "processing.allowed", {"operation": operation.value}
        else:
            action, details = "processing.refused", {"reason": decision.reasons[0].code}
        if outreach is not None:
            details["channel"] = outreach.channel.value
        k.audit(uow, action, subject_id, purpose_id, at=now, details=details)
        if decision.allowed and outreach is not None:  # a message goes out: Art. 14(3)(b)
            information.due_earlier(k, uow, subject_id, now, DutyTrigger.FIRST_COMMUNICATION)
        uow.commit()
    if not decision.allowed:
        raise ProcessingRefused(decision)
    yield decision


class ProcessingOperations:
    """The decisions half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def state(self, subject_id: SubjectId) -> SubjectState:
        """The subject's loaded state: what :func:`gdprcrm.policy.decide` reads."""
        return load_state(self._k, subject_id)

    def decide(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        at: datetime | None = None,
        *,
        operation: Operation = Operation.USE,
        outreach: Outreach | None = None,
    ) -> Decision:
        """May ``purpose_id`` process this subject now (or at ``at``)? See gdprcrm.policy.

        ``outreach=Outreach(Channel.EMAIL, "email")``: may this message be sent on this
        channel to this contact point? The channel rules (ePrivacy, national law) apply."""
        return decide_now(self._k, subject_id, purpose_id, at, operation, outreach)

    def decider(self, subject_id: SubjectId) -> CompiledState:
        """The subject's decisions, compiled: load once, then ask as often as needed
        (a lookup and a binary search per question; reload after any change)."""
        return decider(self._k, subject_id)

    @contextlib.contextmanager
    def processing(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        operation: Operation = Operation.USE,
        outreach: Outreach | None = None,
    ) -> Iterator[Decision]:
        """Wrap real processing: refused with ProcessingRefused, audited when allowed.

        with crm.processing(sid, "newsletter", outreach=Outreach(Channel.EMAIL)):
            send_newsletter(...)
        """
        with processing(self._k, subject_id, purpose_id, operation, outreach) as decision:
            yield decision

"""Erasure (Art. 17, 19): one plan, carried out in explicit, resumable steps.

1. start    - mark the subject ERASURE_PENDING, queue the Art. 19 notices (once);
2. delete   - delete what is not held under Art. 17(3), and what indexes it;
3. shred    - destroy the subject's key once nothing is held (every copy unreadable);
4. finalise - the subject is ERASED: only its opaque id and non-personal facts remain.

An interruption anywhere is completed by :func:`resume_erasures`; repeating a step is
harmless. The plan itself is the pure :func:`gdprcrm.policy.erasure_plan`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from gdprcrm.errors import UnknownRecord
from gdprcrm.model import (
    NotificationEvent,
    RetentionAction,
    RetentionDue,
    Subject,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.policy import ErasurePlan, erasure_plan
from gdprcrm.service.kernel import BIRTH_DATE_FIELD, Kernel
from gdprcrm.storage.protocols import UnitOfWork
from gdprcrm.vault import ErasureCertificate

__all__ = [
    "ERASURE_MARKER",
    "ErasureOutcome",
    "complete",
    "erase",
    "resume_erasures",
    "resume_one",
]

ERASURE_MARKER = "gdprcrm-erasure"
"""The retention-schedule entry that marks an erasure in progress (crash recovery)."""


@attrs.frozen
class ErasureOutcome:
    """What an erasure did (or, with ``dry_run``, would do)."""

    subject_id: SubjectId
    plan: ErasurePlan
    dry_run: bool
    completed: bool
    """True when the key was shredded: nothing of the subject is readable anywhere."""
    certificate: ErasureCertificate | None
    recipients: tuple[str, ...]
    """Recipients to notify of the erasure (Art. 19)."""


def _plan(
    k: Kernel, uow: UnitOfWork, subject: Subject, now: datetime
) -> tuple[ErasurePlan, tuple[str, ...]]:
    """The one plan of an erasure, and the recipients Art. 19 says to tell."""
    state = k.load_state(uow, subject)
    stored = [f.name for f in uow.subjects.fields(subject.id)]
    plan = erasure_plan(state, k.declarations, stored, now)
    return plan, k.declarations.recipients_of(subject.purposes)


def erase(
    k: Kernel, subject_id: SubjectId, *, dry_run: bool, at: datetime | None
) -> ErasureOutcome:
    now = k.now(at)
    with k.storage.unit_of_work(read_only=dry_run) as uow:
        subject = (
            uow.subjects.get(subject_id) if dry_run else uow.subjects.get_for_update(subject_id)
        )
        if subject.status is SubjectStatus.ERASED:
            raise UnknownRecord(f"subject {subject_id} was erased")
        plan, recipients = _plan(k, uow, subject, now)
        if dry_run:
            return ErasureOutcome(subject_id, plan, True, False, None, recipients)
        # Step 1: mark the erasure, so that an interruption is completed later.
        uow.subjects.update(attrs.evolve(subject, status=SubjectStatus.ERASURE_PENDING))
        uow.retention.schedule(
            [RetentionDue(subject_id, ERASURE_MARKER, now, RetentionAction.ERASE)]
        )
        # Art. 19: queued with the mark, so that a resumed erasure does not repeat it.
        k.notify(uow, subject_id, recipients, NotificationEvent.ERASURE, now)
        k.audit(
            uow,
            "erasure.started",
            subject_id,
            at=now,
            details={"erased": len(plan.erased), "held": len(plan.held)},
        )
        uow.commit()
    return complete(k, subject_id, plan, recipients, now)


def complete(
    k: Kernel,
    subject_id: SubjectId,
    plan: ErasurePlan,
    recipients: tuple[str, ...],
    now: datetime,
) -> ErasureOutcome:
    """Steps 2 to 4 of a started erasure."""
    _delete(k, subject_id, plan, recipients, now)
    if not plan.complete:
        return ErasureOutcome(subject_id, plan, False, False, None, recipients)
    # Step 3: destroy the key (every copy of every value is now unreadable).
    certificate = k.vault.shred(subject_id)
    _finalise(k, subject_id, certificate, now)
    return ErasureOutcome(subject_id, plan, False, True, certificate, recipients)


def _delete(
    k: Kernel,
    subject_id: SubjectId,
    plan: ErasurePlan,
    recipients: tuple[str, ...],
    now: datetime,
) -> None:
    """Step 2: delete what is not held, and everything that indexes or describes it."""
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get_for_update(subject_id)
        uow.subjects.delete_fields(subject_id, [*plan.erased, BIRTH_DATE_FIELD])
        uow.subjects.delete_index(subject_id)
        uow.retention.clear(subject_id)
        if plan.complete:
            # The shred makes everything unreadable at a flat cost: nothing to delete.
            resume_at: datetime | None = now
        else:
            # The key survives for the held data: what was said must go now; held data
            # stays, for its purpose only, until its hold ends (then the sweep resumes).
            uow.interactions.delete_for_subject(subject_id)
            resume_at = plan.hold_until
            held = frozenset(f.purpose_id for f in plan.held if f.purpose_id)
            uow.subjects.update(
                attrs.evolve(
                    subject, purposes=held, birth_date=None, attested_age=None, source=None
                )
            )
        if resume_at is not None:
            uow.retention.schedule(
                [RetentionDue(subject_id, ERASURE_MARKER, resume_at, RetentionAction.ERASE)]
            )
        k.audit(
            uow,
            "erasure.data-deleted",
            subject_id,
            at=now,
            details={"fields": len(plan.erased), "recipients": len(recipients)},
        )
        uow.commit()


def _finalise(
    k: Kernel, subject_id: SubjectId, certificate: ErasureCertificate, now: datetime
) -> None:
    """Step 4: the subject is erased; only its opaque id and non-personal facts remain."""
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get_for_update(subject_id)
        uow.subjects.delete_fields(subject_id)
        uow.subjects.update(
            attrs.evolve(
                subject,
                status=SubjectStatus.ERASED,
                purposes=frozenset(),
                birth_date=None,
                attested_age=None,
                source=None,
            )
        )
        uow.retention.clear(subject_id)
        k.audit(
            uow,
            "subject.erased",
            subject_id,
            at=now,
            details={
                "certificate": str(certificate.certificate_id),
                "keys": len(certificate.destroyed),
            },
        )
        uow.commit()


def resume_one(k: Kernel, subject_id: SubjectId, now: datetime) -> ErasureOutcome:
    """Complete one started erasure (interrupted, or whose hold has ended)."""
    with k.storage.unit_of_work(read_only=True) as uow:
        plan, recipients = _plan(k, uow, uow.subjects.get(subject_id), now)
    return complete(k, subject_id, plan, recipients, now)


def resume_erasures(k: Kernel, at: datetime | None) -> list[ErasureOutcome]:
    now = k.now(at)
    with k.storage.unit_of_work(read_only=True) as uow:
        due = [
            d.subject_id
            for d in uow.retention.due_before(now, limit=100_000)
            if d.purpose_id == ERASURE_MARKER
        ]
    return [resume_one(k, subject_id, now) for subject_id in due]

"""Storage limitation (Art. 5(1)(e)): the retention sweep, and the anchors it runs from."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime

import attrs

from gdprcrm.model import (
    NotificationEvent,
    RecordId,
    RetentionAction,
    RetentionDue,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.policy import retention_due
from gdprcrm.policy.collection import suppression_cutoff
from gdprcrm.policy.retention import expiring_fields, frozen_by_request
from gdprcrm.service import erasure, sweep_batch, sweep_expiry, sweep_records
from gdprcrm.service.kernel import Kernel

__all__ = ["SweepResult", "end_relationship", "purge_suppressions", "sweep"]


@attrs.frozen
class SweepResult:
    """What a retention sweep did."""

    examined: int = 0
    erased: int = 0
    """(subject, purpose) pairs whose data was erased (Art. 5(1)(e))."""
    flagged: int = 0
    """Pairs flagged for a human review (e.g. one re-contact of a prospect, CNIL)."""
    rescheduled: int = 0
    """Pairs whose anchor moved (a new contact): not due after all."""
    erasures_completed: int = 0
    deferred: int = 0
    """Pairs left due because an access or portability request is open (Art. 15, 20):
    the next sweep after the answer applies them."""
    suppressions_purged: int = 0
    """Suppression entries older than the declared ``suppression_years`` (Art. 21(3))."""
    records_erased: int = 0
    """Records whose own retention ended: deleted, their key scopes destroyed."""


def end_relationship(k: Kernel, subject_id: SubjectId, at: datetime | None) -> None:
    """The anchor of periods that run from the end of the customer relationship."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        subject = attrs.evolve(k.active(uow, subject_id), relationship_ended_at=now)
        uow.subjects.update(subject)
        k.schedule(uow, k.load_state(uow, subject))
        k.audit(uow, "relationship.ended", subject_id, at=now)
        uow.commit()


def sweep(
    k: Kernel, at: datetime | None, progress: Callable[[int, int], None] | None
) -> SweepResult:
    """Apply every rule fallen due, reading only what is due (an indexed range)."""
    now = k.now(at)
    with k.storage.unit_of_work(read_only=True) as uow:
        due = uow.retention.due_before(now, limit=10_000_000)
        erasures = [e.subject_id for e in uow.erasures.due_before(now, limit=10_000_000)]
    counts = {f.name: 0 for f in attrs.fields(SweepResult) if f.name != "examined"}
    total = len(due) + len(erasures)
    finished_subjects: list[SubjectId] = []
    for done, subject_id in enumerate(erasures, start=1):  # interrupted, or holds ended
        if erasure.advance(k, subject_id, now).completed:
            counts["erasures_completed"] += 1
        if progress is not None:
            progress(done, total)
    # People none of whose purposes may keep anything: erased in batches (fast path).
    people = list(dict.fromkeys(e.subject_id for e in due))
    gone: set[SubjectId] = set()
    for first in range(0, len(people), sweep_batch.BATCH):
        gone |= sweep_batch.erase_expired(k, people[first : first + sweep_batch.BATCH], now)
    counts["erasures_completed"] += len(gone)
    # People one of whose purposes ran out, another keeping them: batches too.
    expired = _expire_in_batches(k, [e for e in due if e.subject_id not in gone], now)
    for done, entry in enumerate(due, start=len(erasures) + 1):
        if entry.subject_id in gone or (entry.subject_id, entry.purpose_id) in expired:
            counts["erased"] += 1
            if progress is not None:
                progress(done, total)
            continue
        kind, emptied = _expire(k, entry, now)
        counts[kind] += 1
        if emptied:
            finished_subjects.append(entry.subject_id)
        if progress is not None:
            progress(done, total)
    erased_records, deferred_records = _expire_records(k, now)
    counts["records_erased"] += erased_records
    counts["deferred"] += deferred_records
    if counts["erased"] or erased_records:
        k.storage.purge()  # the expired values leave no copy in the store's files
    for subject_id in finished_subjects:  # no purpose left: erase the person (Art. 17)
        if erasure.erase(k, subject_id, dry_run=False, at=now).completed:
            counts["erasures_completed"] += 1
    years = k.declarations.suppression_years
    if years is not None:  # Art. 21(3): the declared period of the suppression list
        counts["suppressions_purged"] = purge_suppressions(k, years, now, quiet=True)
    return SweepResult(examined=total, **counts)


def _expire_in_batches(
    k: Kernel, due: list[RetentionDue], now: datetime
) -> set[tuple[SubjectId, str]]:
    """The (subject, purpose) pairs expired by :func:`sweep_expiry.expire_many`.

    People with several purposes due go in rounds, one purpose each, in the order the
    slow path takes them (the order of ``due``): each round sees what the one before
    left, as one expiry after another does. A person one of whose expiries the batch
    declines leaves the rounds: the slow path then takes their remaining purposes, still
    in order."""
    queues: dict[SubjectId, deque[RetentionDue]] = {}
    for entry in due:
        queues.setdefault(entry.subject_id, deque()).append(entry)
    done: set[tuple[SubjectId, str]] = set()
    while queues:
        heads = [queue.popleft() for queue in queues.values()]
        applied: set[tuple[SubjectId, str]] = set()
        for first in range(0, len(heads), sweep_batch.BATCH):
            applied |= sweep_expiry.expire_many(k, heads[first : first + sweep_batch.BATCH], now)
        done |= applied
        queues = {
            head.subject_id: queues[head.subject_id]
            for head in heads
            if queues[head.subject_id] and (head.subject_id, head.purpose_id) in applied
        }
    return done


def _expire(k: Kernel, entry: RetentionDue, now: datetime) -> tuple[str, bool]:
    """One (subject, purpose) whose period ran out: what kind of outcome, and whether
    the subject has no purpose left."""
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get_for_update(entry.subject_id)
        if subject.status is not SubjectStatus.ACTIVE or entry.purpose_id not in subject.purposes:
            uow.retention.clear(subject.id, entry.purpose_id)
            uow.commit()
            return "rescheduled", False
        purpose = k.declarations.purpose(entry.purpose_id)
        if frozen_by_request(uow.requests.for_subject(subject.id)):
            k.audit(
                uow,
                "retention.deferred",
                subject.id,
                purpose.id,
                at=now,
                details={"reason": "open-request"},
            )
            uow.commit()  # the schedule entry stays: the next sweep tries again
            return "deferred", False
        state = k.load_state(uow, subject)
        due = retention_due(state, purpose, now, pending=k.declarations.pending_consent)
        if due is None or due > now:  # the anchor moved since: not due any more
            k.schedule(uow, state)
            uow.commit()
            return "rescheduled", False
        if purpose.retention.action is RetentionAction.REVIEW:
            uow.retention.clear(subject.id, purpose.id)
            k.audit(uow, "retention.review-due", subject.id, purpose.id, at=now)
            uow.commit()
            return "flagged", False
        doomed = expiring_fields(k.declarations, subject.purposes, purpose.id)
        # Their key scopes go too: no copy of the expired values can be read anywhere.
        certificate = k.forget_values(uow, subject.id, doomed, now)
        if doomed:  # Art. 19 with 17(1)(a): the purpose's recipients erase their copies
            recipients = k.declarations.recipients_of([purpose.id])
            k.notify(uow, subject.id, recipients, NotificationEvent.ERASURE, now)
        remaining = subject.purposes - {purpose.id}
        uow.subjects.update(attrs.evolve(subject, purposes=frozenset(remaining)))
        uow.retention.clear(subject.id, purpose.id)
        kind = "erased"  # ERASE (and a pre-0.2 ANONYMISE entry: it always erased)
        k.audit(
            uow,
            f"retention.{kind}",
            subject.id,
            purpose.id,
            at=now,
            details=sweep_expiry.expiry_details(state, purpose, doomed, certificate),
        )
        uow.commit()
    return kind, not remaining


def _expire_records(k: Kernel, now: datetime) -> tuple[int, int]:
    """Art. 5(1)(e): every record whose own period ran out is deleted and its key scope
    destroyed, one certificate per subject, in batches (:mod:`sweep_records`); a subject
    with an open access or portability request waits for the answer. Returns (erased,
    deferred subjects)."""
    with k.storage.unit_of_work(read_only=True) as uow:
        due = uow.records.due_before(now, limit=10_000_000)
    by_subject: dict[SubjectId, set[RecordId]] = {}
    for record in due:
        by_subject.setdefault(record.subject_id, set()).add(record.id)
    return sweep_records.expire_records(k, by_subject, now)


def purge_suppressions(
    k: Kernel, keep_years: int, at: datetime | None, *, quiet: bool = False
) -> int:
    """Art. 21(3), 5(1)(e): forget the objections to direct marketing recorded more than
    ``keep_years`` ago (three at least); the audit records the cut and the count (with
    ``quiet``, as the sweep runs it, only when something went)."""
    now = k.now(at)
    cutoff = suppression_cutoff(now, keep_years)
    with k.storage.unit_of_work() as uow:
        removed = uow.suppressions.purge_before(cutoff)
        if quiet and not removed:
            return 0
        k.audit(
            uow,
            "suppressions.purged",
            at=now,
            details={"keep_years": keep_years, "removed": removed},  # the cut: at - years
        )
        uow.commit()
    if removed:
        k.storage.purge()  # the forgotten hashes leave no copy in the store's files
    return removed

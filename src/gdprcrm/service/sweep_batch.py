"""The retention sweep's fast path (Art. 5(1)(e), 17(1)(a)): people every one of whose
purposes has run out are erased in batches, one unit of work and one key-store
transaction per batch, instead of three units and two key-store commits each.

The outcome is the erasure the slow path reaches (each purpose expired, then the person
erased for having no purpose left): every value, record and interaction made
unreadable by destroying the subject's key, the data-store rows deleted, the Art. 19
notices queued, a signed certificate per person, the same audit actions. Anything out
of the ordinary (an erasure already under way, an open access or portability request,
a review action, something held) is left to the slow path, person by person.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from gdprcrm.model import NotificationEvent, RetentionAction, SubjectId, SubjectStatus
from gdprcrm.policy import ErasurePlan, SubjectState, erasure_plan, retention_due
from gdprcrm.policy.retention import frozen_by_request
from gdprcrm.service import erasure
from gdprcrm.service.collector import collector_paused
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.sweep_expiry import expiry_details
from gdprcrm.storage.protocols import UnitOfWork

__all__ = ["BATCH", "erase_expired"]

BATCH = 1_000
"""People erased per unit of work and key-store transaction: two durable commits (the
key store's, the data store's) and a WAL checkpoint each, so the batch size sets the
sweep's cost of durability per person (P15)."""


def erase_expired(k: Kernel, subject_ids: Sequence[SubjectId], now: datetime) -> set[SubjectId]:
    """Erase, in one batch, those of ``subject_ids`` whose every purpose has run out at
    ``now`` and whose erasure holds nothing; return them (the others are untouched)."""
    with collector_paused(), k.storage.unit_of_work() as uow:
        chosen = _expired(k, uow, subject_ids, now)
        if not chosen:
            return set()
        # The keys first: if the unit then fails, reconciling on the next start finds
        # the tombstones and finishes these erasures in the data store.
        certificates = k.shred_subjects(uow, [state.subject.id for state, _ in chosen])
        notices = []
        for state, plan in chosen:
            subject = state.subject
            purposes = sorted(subject.purposes)
            recipients = k.declarations.recipients_of(purposes)  # 17(1)(a) with Art. 19
            notices += k.notifications(subject.id, recipients, NotificationEvent.ERASURE, now)
            stored = set(plan.erased)
            for purpose_id in purposes:
                purpose = k.declarations.purpose(purpose_id)
                k.audit(
                    uow,
                    "retention.erased",
                    subject.id,
                    purpose_id,
                    at=now,  # the subject's certificate is in its subject.erased entry
                    details=expiry_details(state, purpose, purpose.field_names & stored, None),
                )
        uow.notifications.add_many(notices)
        erasure.finalise_many(
            k,
            uow,
            [(s.subject, plan, c) for (s, plan), c in zip(chosen, certificates, strict=True)],
            now,
        )
        uow.commit()
    k.storage.purge()
    return {state.subject.id for state, _ in chosen}


def _expired(
    k: Kernel, uow: UnitOfWork, subject_ids: Sequence[SubjectId], now: datetime
) -> list[tuple[SubjectState, ErasurePlan]]:
    """Those of the subjects every purpose of whom ran out, with their (complete)
    erasure plans; each table is read once for the whole batch."""
    subjects = [
        s
        for s in uow.subjects.get_many_for_update(subject_ids)  # locked, as one by one
        if s.status is SubjectStatus.ACTIVE and s.purposes
    ]
    requests = uow.requests.for_subjects([s.id for s in subjects])
    # An open access or portability request: the slow path audits the deferral.
    subjects = [s for s in subjects if not frozen_by_request(requests[s.id])]
    fields = uow.subjects.fields_of([s.id for s in subjects])  # the plan's and the state's
    due = [state for state in k.load_states(uow, subjects, fields) if _all_run_out(k, state, now)]
    ids = [state.subject.id for state in due]
    held = {
        kind.id: uow.records.for_subjects(ids, kind.id)
        for kind in k.declarations.records
        if kind.retention.is_legal_hold
    }
    chosen = []
    for state in due:
        sid = state.subject.id
        of_kind = {kind: records[sid] for kind, records in held.items()}
        every_record = functools.partial(uow.records.for_subject, sid)  # claims: rare
        candidates = erasure.may_be_held(k, state, now, every_record, of_kind.__getitem__)
        stored = [f.name for f in fields[sid]]
        plan = erasure_plan(state, k.declarations, stored, now, candidates)
        if plan.complete:  # anything held: the slow path, person by person
            chosen.append((state, erasure.shown(plan)))
    return chosen


def _all_run_out(k: Kernel, state: SubjectState, now: datetime) -> bool:
    """Whether every purpose of the subject is due for erasure at ``now`` (Art. 5(1)(e):
    each one's period ran out, and its declared action is to erase)."""
    for purpose_id in state.subject.purposes:
        purpose = k.declarations.find_purpose(purpose_id)
        if purpose is None or purpose.retention.action is not RetentionAction.ERASE:
            return False
        due = retention_due(state, purpose, now, pending=k.declarations.pending_consent)
        if due is None or due > now:
            return False
    return True

"""Erasure (Art. 17, 19): one plan, carried out in explicit, resumable steps.

1. start    - mark the subject ERASURE_PENDING, record a :class:`PendingErasure`, queue
              the Art. 19 notices: once, whoever asks again;
2. delete   - delete what no Art. 17(3) hold keeps, and what indexes it; what is held
              waits for its hold (the record says until when);
3. shred    - once nothing is held, destroy the subject's keys (every copy unreadable);
4. finalise - in the same unit as the shred: the subject is ERASED, the record removed.

Each step locks the subject and reads the record first, so a repeated or concurrent
erasure carries on from where the other stopped and never repeats a notice, an audit
entry or a certificate; :func:`resume_erasures` completes what an interruption left.
The plan itself is the pure :func:`gdprcrm.policy.erasure_plan`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from gdprcrm.errors import InvalidInput, NotFound, SignatureInvalid, UnknownRecord
from gdprcrm.model import (
    ErasureStep,
    NotificationEvent,
    PendingErasure,
    Record,
    Subject,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.policy import ErasurePlan, SubjectState, erasure_plan
from gdprcrm.policy.erasure import claims_in_force
from gdprcrm.policy.scopes import erasure_marker, interactions_scope, notes_scope
from gdprcrm.service.kernel import BIRTH_DATE_FIELD, Kernel, tombstone_of
from gdprcrm.service.records import erase_records
from gdprcrm.storage.protocols import UnitOfWork
from gdprcrm.vault import ErasureCertificate, hazmat

__all__ = [
    "ErasureOutcome",
    "advance",
    "erase",
    "erasure_certificate",
    "finalise",
    "finalise_many",
    "hold_lifted",
    "mark_erased",
    "mark_erased_many",
    "may_be_held",
    "plan_erasure",
    "resume_erasures",
    "shown",
    "stored_certificate",
    "tombstone_of",
]


@attrs.frozen
class ErasureOutcome:
    """What an erasure did (or, with ``dry_run``, would do)."""

    subject_id: SubjectId
    plan: ErasurePlan
    dry_run: bool
    completed: bool
    """True when the keys are destroyed: nothing of the subject is readable anywhere."""
    certificate: ErasureCertificate | None
    """Issued by the call that destroyed the keys; None for every other call."""
    recipients: tuple[str, ...]
    """Recipients to notify of the erasure (Art. 19)."""


def plan_erasure(
    k: Kernel,
    uow: UnitOfWork,
    subject: Subject,
    now: datetime,
    state: SubjectState | None = None,
) -> tuple[ErasurePlan, tuple[str, ...]]:
    """The one plan of an erasure at ``now``, and the recipients Art. 19 says to tell.

    Records are read only where they matter: those that may be held (a kind kept by
    law, still in its period; every record under a restriction for legal claims). When
    nothing at all is held, the subject's key goes and takes every record with it, at
    the cost of one key however many there are; only when something is held is every
    record planned, each kept or destroyed on its own."""
    if state is None:  # a caller that loaded it already passes it: read once
        state = k.load_state(uow, subject)
    stored = [f.name for f in uow.subjects.fields(subject.id)]
    candidates = may_be_held(
        k,
        state,
        now,
        lambda: uow.records.for_subject(subject.id),
        lambda kind: uow.records.for_subject(subject.id, kind),
    )
    plan = erasure_plan(state, k.declarations, stored, now, candidates)
    if not plan.complete:  # the key stays: every record is planned on its own
        plan = erasure_plan(
            state, k.declarations, stored, now, uow.records.for_subject(subject.id)
        )
    return shown(plan), k.declarations.recipients_of(subject.purposes)


def may_be_held(
    k: Kernel,
    state: SubjectState,
    now: datetime,
    every_record: Callable[[], Sequence[Record]],
    of_kind: Callable[[str], Sequence[Record]],
) -> list[Record]:
    """The subject's records an Art. 17(3) hold may keep at ``now``: every one under a
    restriction for legal claims, else those of a kind kept by law, in their period
    (read through ``every_record`` and ``of_kind``, so a batch reads them at once)."""
    if claims_in_force(state, now):
        return list(every_record())
    return [
        r
        for kind in k.declarations.records
        if kind.retention.is_legal_hold
        for r in of_kind(kind.id)
        if r.due_at > now
    ]


def shown(plan: ErasurePlan) -> ErasurePlan:
    """The plan as people read it: the stored birth date under its public name, never
    the internal field (the erasure deletes that field by its own name)."""
    if all(f.field != BIRTH_DATE_FIELD for f in plan.fields):
        return plan
    fields = tuple(
        attrs.evolve(f, field="birth_date") if f.field == BIRTH_DATE_FIELD else f
        for f in plan.fields
    )
    return attrs.evolve(plan, fields=fields)


def erase(
    k: Kernel, subject_id: SubjectId, *, dry_run: bool, at: datetime | None
) -> ErasureOutcome:
    now = k.now(at)
    if dry_run:
        with k.storage.unit_of_work(read_only=True) as uow:
            subject = uow.subjects.get(subject_id)
            if subject.status is SubjectStatus.ERASED:
                raise UnknownRecord(f"subject {subject_id} was erased")
            plan, recipients = plan_erasure(k, uow, subject, now)
        return ErasureOutcome(subject_id, plan, True, False, None, recipients)
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get_for_update(subject_id)
        if subject.status is SubjectStatus.ERASED:
            raise UnknownRecord(f"subject {subject_id} was erased")
        if uow.erasures.find(subject_id) is None:
            _start(k, uow, subject, now)
            uow.commit()
    return advance(k, subject_id, now)


def _start(k: Kernel, uow: UnitOfWork, subject: Subject, now: datetime) -> None:
    """Step 1: mark the subject, record the erasure, queue the Art. 19 notices (once)."""
    plan, recipients = plan_erasure(k, uow, subject, now)
    uow.subjects.update(attrs.evolve(subject, status=SubjectStatus.ERASURE_PENDING))
    uow.erasures.add(PendingErasure(subject.id, now, resume_at=now))
    k.notify(uow, subject.id, recipients, NotificationEvent.ERASURE, now)
    k.audit(
        uow,
        "erasure.started",
        subject.id,
        at=now,
        details={
            "erased": len(plan.erased),
            "held": len(plan.held),
            "records": len(plan.records),
            "records_held": len(plan.held_records),
        },
    )


def advance(k: Kernel, subject_id: SubjectId, now: datetime) -> ErasureOutcome:
    """Carry a started erasure as far as the law allows at ``now``."""
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get_for_update(subject_id)
        pending = uow.erasures.find(subject_id)
        if pending is None:  # finalised meanwhile (a concurrent erasure), or never started
            done = subject.status is SubjectStatus.ERASED
            return ErasureOutcome(subject_id, ErasurePlan(()), False, done, None, ())
        plan, recipients = plan_erasure(k, uow, subject, now)
        if pending.resume_at is None or pending.resume_at > now:  # a hold still runs
            return ErasureOutcome(subject_id, plan, False, False, None, recipients)
        if not plan.complete:
            _delete(k, uow, subject, pending, plan, now)
            uow.commit()
            k.storage.purge()  # no copy of what was deleted left in the store's files
            return ErasureOutcome(subject_id, plan, False, False, None, recipients)
        (certificate,) = k.shred_subjects(uow, [subject_id])  # step 3, under the lock
        finalise(k, uow, subject, plan, certificate, now)
        uow.commit()
    k.storage.purge()
    return ErasureOutcome(subject_id, plan, False, True, certificate, recipients)


def _delete(
    k: Kernel,
    uow: UnitOfWork,
    subject: Subject,
    pending: PendingErasure,
    plan: ErasurePlan,
    now: datetime,
) -> None:
    """Step 2: delete what is not held, and what indexes or describes it; the held data
    stay, for their hold's purpose only, until the hold ends."""
    # The erased values' key scopes go too (and the interactions'): no copy of them in
    # any backup can be read, while the held values stay readable until their hold ends.
    certificate = k.forget_values(
        uow,
        subject.id,
        [*plan.erased, BIRTH_DATE_FIELD],
        now,
        extra_scopes=[
            erasure_marker(subject.id),  # the key store's own record of this erasure
            notes_scope(subject.id),  # consent evidence, request notes, the source
            *([interactions_scope(subject.id)] if _has_contents(uow, subject.id) else []),
        ],
    )
    uow.subjects.delete_index(subject.id)
    if plan.erased_records:  # each record's key scope destroyed: no backup can read it
        gone = {r.record_id for r in plan.erased_records}
        doomed = [r for r in uow.records.for_subject(subject.id) if r.id in gone]
        erase_records(k, uow, subject.id, doomed, now, "erasure.records-erased")
    uow.interactions.delete_for_subject(subject.id)  # what was said goes
    uow.duties.delete_for_subject(subject.id)  # no one left to inform (Art. 14)
    uow.retention.clear(subject.id)
    held = frozenset(f.purpose_id for f in plan.held if f.purpose_id)
    uow.subjects.update(
        attrs.evolve(subject, purposes=held, birth_date=None, attested_age=None, source=None)
    )
    # Resumed when the first hold ends: each value and record goes at its own hold's end.
    uow.erasures.update(attrs.evolve(pending, step=ErasureStep.HELD, resume_at=plan.next_release))
    k.audit(
        uow,
        "erasure.data-deleted",
        subject.id,
        at=now,
        details={
            "fields": len(plan.erased),
            "held": len(plan.held),
            "records": len(plan.erased_records),
            "records_held": len(plan.held_records),
            "certificate": None if certificate is None else str(certificate.certificate_id),
        },
    )


def _has_contents(uow: UnitOfWork, subject_id: SubjectId) -> bool:
    """Whether an interaction content was sealed in the interactions scope."""
    return any(
        i.content is not None and i.content[:1] == bytes((hazmat.FORMAT_V2,))
        for i in uow.interactions.for_subject(subject_id)
    )


def finalise(
    k: Kernel,
    uow: UnitOfWork,
    subject: Subject,
    plan: ErasurePlan,
    certificate: ErasureCertificate,
    now: datetime,
) -> None:
    """Step 4: the subject is erased; only its opaque id and non-personal facts remain.
    The shred made every ciphertext unreadable at a flat cost: the rows that still hold
    some (interactions) need not be visited."""
    finalise_many(k, uow, [(subject, plan, certificate)], now)


def finalise_many(
    k: Kernel,
    uow: UnitOfWork,
    erased: Sequence[tuple[Subject, ErasurePlan, ErasureCertificate]],
    now: datetime,
) -> None:
    """Step 4 for several subjects whose keys were destroyed (a sweep's batch): one
    statement per table for them all, then each one's ``subject.erased`` entry."""
    mark_erased_many(uow, [subject for subject, _, _ in erased])
    for subject, plan, certificate in erased:
        k.audit(
            uow,
            "subject.erased",
            subject.id,
            at=now,
            details={
                "certificate": str(certificate.certificate_id),
                "keys": len(certificate.destroyed),
                "fields": len(plan.erased),
            },
        )


def mark_erased(uow: UnitOfWork, subject: Subject) -> None:
    """What an erased subject keeps in the data store: its opaque id and the ERASED
    status; its values, index entries, schedule and erasure record go."""
    mark_erased_many(uow, [subject])


def mark_erased_many(uow: UnitOfWork, subjects: Sequence[Subject]) -> None:
    """:func:`mark_erased` for several subjects, one statement per table."""
    ids = [subject.id for subject in subjects]
    uow.subjects.delete_fields_of(ids)
    uow.subjects.delete_index_of(ids)
    # Records stay as unreadable rows (the subject's key went: nothing to read, at the
    # cost of one key however many there are); the sweep deletes each at its own due
    # date, and destroys its orphaned scope key then.
    uow.retention.clear_many(ids)
    uow.duties.delete_for_subjects(ids)  # no one left to inform (Art. 14)
    uow.erasures.remove_many(ids)
    uow.subjects.update_many([subject.erased() for subject in subjects])


def erasure_certificate(
    k: Kernel, subject_id: SubjectId, at: datetime | None
) -> ErasureCertificate:
    """Art. 5(2): a newly signed restatement of the subject's erasure from the key
    store's tombstone (for erasures from before certificates were kept, or a data store
    restored from an older backup); kept, and its issue audited, like every certificate.
    NotFound when the subject's keys were never shredded."""
    now = k.now(at)
    certificate = k.vault.erasure_certificate(subject_id)
    with k.storage.unit_of_work() as uow:
        uow.certificates.add_many([certificate])
        k.audit(
            uow,
            "erasure.certified",
            subject_id,
            at=now,
            details={
                "certificate": str(certificate.certificate_id),
                "keys": len(certificate.destroyed),
            },
        )
        uow.commit()
    return certificate


def stored_certificate(k: Kernel, certificate_id: uuid.UUID) -> ErasureCertificate:
    """Art. 5(2): the signed certificate a trail entry names, as kept in the data store;
    NotFound if none is kept, SignatureInvalid unless this controller's key signed
    exactly these bytes (a row altered in the database)."""
    if not isinstance(certificate_id, uuid.UUID):
        raise InvalidInput("certificate: expected a uuid.UUID (the trail's certificate id)")
    with k.storage.unit_of_work(read_only=True) as uow:
        certificate = uow.certificates.get(certificate_id)
    if certificate is None:
        raise NotFound(f"no certificate {certificate_id} is kept")
    signer = k.vault.signer
    try:
        certificate.verify(signer.public_key)
    except SignatureInvalid:
        if certificate.signer_id == signer.signer_id:
            raise
        raise SignatureInvalid(
            f"certificate {certificate_id} names signer {certificate.signer_id!r}, not this "
            f"controller's ({signer.signer_id!r}): verify it with that signer's public key "
            "(gdprcrm.vault.verify_certificate)"
        ) from None
    return certificate


def resume_erasures(k: Kernel, at: datetime | None) -> list[ErasureOutcome]:
    """Every erasure whose next step is due: interrupted ones, and holds that ended."""
    now = k.now(at)
    with k.storage.unit_of_work(read_only=True) as uow:
        due = [e.subject_id for e in uow.erasures.due_before(now, limit=100_000)]
    return [advance(k, subject_id, now) for subject_id in due]


def hold_lifted(k: Kernel, uow: UnitOfWork, subject_id: SubjectId, now: datetime) -> None:
    """A restriction for legal claims was lifted (Art. 17(3)(e)): an erasure waiting on it
    without an end date becomes due now."""
    pending = uow.erasures.find(subject_id)
    if pending is not None and pending.resume_at is None:
        uow.erasures.update(attrs.evolve(pending, resume_at=now))

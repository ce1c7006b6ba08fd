"""The retention sweep's batched partial expiries (Art. 5(1)(e), 17(1)(a), 19): people
one of whose purposes ran out while another keeps them (a customer's newsletter data
expires, the invoices stay) lose that purpose's values in batches, one unit of work and
one key-store transaction per batch, instead of one of each per person.

The outcome is the slow path's (:func:`gdprcrm.service.retention.sweep`, person by
person): the values only that purpose needed deleted and their key scopes destroyed
(no backup can read them), a signed certificate per person naming the scopes, the
purpose's recipients told (Art. 19), the purpose dropped from the person, the same
``retention.erased`` entry. A person with several purposes due takes one per batch, in
the slow path's order (the sweep runs rounds: :func:`gdprcrm.service.retention.sweep`).
Anything out of the ordinary is left to the slow path: an open access or portability
request, a purpose whose anchor moved or whose action is not to erase, a kept value
sharing a doomed key scope (it must first be re-encrypted), a person left with no
purpose (then erased).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.model import (
    LegalBasis,
    NotificationEvent,
    PersonalField,
    Purpose,
    RetentionAction,
    RetentionDue,
    Subject,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.policy import SubjectState, retention_due
from gdprcrm.policy.retention import expiring_fields, frozen_by_request
from gdprcrm.service.collector import collector_paused
from gdprcrm.service.kernel import Kernel
from gdprcrm.storage.protocols import UnitOfWork
from gdprcrm.vault.certificate import ErasureCertificate

__all__ = ["expire_many", "expiry_details"]


@attrs.frozen
class _Expiry:
    """One person's expiry as the batch applies it."""

    subject: Subject
    """As stored (``state.subject`` may carry the decrypted birth date: never written)."""
    state: SubjectState
    purpose: Purpose
    doomed: tuple[str, ...]
    """The fields that go: the purpose needs them, no remaining purpose does."""
    scopes: frozenset[uuid.UUID]
    """Their key scopes (none for values from before key scopes)."""


def expire_many(
    k: Kernel, entries: Sequence[RetentionDue], now: datetime
) -> set[tuple[SubjectId, str]]:
    """Apply, in one batch, those of ``entries`` (at most one per subject) that the fast
    path can; return their (subject, purpose) pairs (the others are untouched)."""
    with collector_paused(), k.storage.unit_of_work() as uow:
        chosen = _expiring(k, uow, entries, now)
        if not chosen:
            return set()
        # The keys first, as the slow path: if the unit then fails, the next sweep finds
        # the entries due again and destroys nothing more (already shredded, and said).
        shredding = [e for e in chosen if e.scopes]
        shredded = k.shred_scopes_many(uow, [(e.subject.id, e.scopes) for e in shredding])
        certificates = {e.subject.id: c for e, c in zip(shredding, shredded, strict=True)}
        doomed = [(e.subject.id, e.doomed) for e in chosen]
        uow.subjects.delete_fields_many(doomed)
        uow.subjects.delete_index_many(doomed)  # an erased e-mail is not findable
        uow.retention.clear_purposes([(e.subject.id, (e.purpose.id,)) for e in chosen])
        notices = []
        for e in chosen:
            sid = e.subject.id
            if e.doomed:  # Art. 19 with 17(1)(a): the purpose's recipients erase their copies
                recipients = k.declarations.recipients_of([e.purpose.id])
                notices += k.notifications(sid, recipients, NotificationEvent.ERASURE, now)
            k.audit(
                uow,
                "retention.erased",
                sid,
                e.purpose.id,
                at=now,
                details=expiry_details(e.state, e.purpose, e.doomed, certificates.get(sid)),
            )
        uow.notifications.add_many(notices)
        uow.subjects.update_many(
            [attrs.evolve(e.subject, purposes=e.subject.purposes - {e.purpose.id}) for e in chosen]
        )
        uow.commit()
    return {(e.subject.id, e.purpose.id) for e in chosen}


def expiry_details(
    state: SubjectState,
    purpose: Purpose,
    doomed: Collection[str],
    certificate: ErasureCertificate | None,
) -> dict[str, Any]:
    """The details of a ``retention.erased`` entry (the slow path's and the batch's)."""
    never_given = purpose.basis is LegalBasis.CONSENT and not state.intervals.get(purpose.id)
    return {
        "fields": len(doomed),
        "certificate": None if certificate is None else str(certificate.certificate_id),
        # Art. 6(1)(a): kept awaiting a consent that never came
        "reason": "consent-never-given" if never_given else None,
    }


def _expiring(
    k: Kernel, uow: UnitOfWork, entries: Sequence[RetentionDue], now: datetime
) -> list[_Expiry]:
    """Those of the entries the batch applies as the slow path would, each table read
    once for the whole batch (the people locked, in id order)."""
    wanted = {e.subject_id: e.purpose_id for e in entries}
    subjects = [
        s
        for s in uow.subjects.get_many_for_update(list(wanted))
        if s.status is SubjectStatus.ACTIVE and wanted[s.id] in s.purposes and len(s.purposes) > 1
    ]
    requests = uow.requests.for_subjects([s.id for s in subjects])
    subjects = [s for s in subjects if not frozen_by_request(requests[s.id])]  # slow: deferred
    fields = uow.subjects.fields_of([s.id for s in subjects])
    chosen = []
    for subject, state in zip(subjects, k.load_states(uow, subjects, fields), strict=True):
        purpose = k.declarations.find_purpose(wanted[subject.id])
        if purpose is None or purpose.retention.action is not RetentionAction.ERASE:
            continue
        due = retention_due(state, purpose, now, pending=k.declarations.pending_consent)
        if due is None or due > now:  # the anchor moved: the slow path reschedules
            continue
        expiry = _expiry(k, subject, state, purpose, fields[subject.id])
        if expiry is not None:
            chosen.append(expiry)
    return chosen


def _expiry(
    k: Kernel,
    subject: Subject,
    state: SubjectState,
    purpose: Purpose,
    stored: Sequence[PersonalField],
) -> _Expiry | None:
    """The person's expiry, or None if a kept value shares a doomed key scope (the slow
    path re-encrypts it into a scope of its own first)."""
    doomed = expiring_fields(k.declarations, subject.purposes, purpose.id)
    scopes, to_move = k.scopes_going(stored, frozenset(doomed), ())
    return None if to_move else _Expiry(subject, state, purpose, doomed, frozenset(scopes))

"""Storage limitation (Art. 5(1)(e)): when a purpose's retention period runs out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta

from gdprcrm.model import (
    AnchorEvent,
    DataSubjectRequest,
    Declarations,
    LegalBasis,
    Purpose,
    RequestKind,
    RetentionDue,
    Subject,
)
from gdprcrm.policy.state import SubjectState

__all__ = [
    "END_OF_TIME",
    "anchors_of",
    "expiring_fields",
    "frozen_by_request",
    "retention_due",
    "schedule_for",
]

END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)


def retention_due(
    state: SubjectState,
    purpose: Purpose,
    at: datetime = END_OF_TIME,
    *,
    pending: relativedelta | None = None,
) -> datetime | None:
    """Art. 5(1)(e): when ``purpose``'s retention of this subject runs out.

    None while the period's clock has not started by ``at`` (no end of relationship
    recorded yet, a consent still in force, ...). The default ``at`` asks about the
    records as they stand, to schedule the sweep.

    With ``pending`` (the declared ``pending_consent`` period), a purpose resting on
    consent that was never given keeps its data only that long from collection (Art.
    6(1)(a): storing is processing; a double opt-in awaiting confirmation), and no
    longer than its refusal.
    """
    never_given = purpose.basis is LegalBasis.CONSENT and not state.intervals.get(purpose.id)
    if pending is not None and never_given:
        refused = state.refused_at.get(purpose.id)  # asked and told no: nothing to wait for
        until = state.subject.collected_at + pending
        return until if refused is None else min(until, refused)
    rule = purpose.retention
    anchor = rule.anchor
    start: datetime | None
    if anchor is AnchorEvent.COLLECTION:
        start = state.subject.collected_at
    elif anchor is AnchorEvent.CONSENT_WITHDRAWAL:
        intervals = state.intervals.get(purpose.id, ())
        if not intervals or any(i.active_at(at) for i in intervals):
            return None
        ends = [i.withdrawn_at for i in intervals if i.withdrawn_at is not None]
        start = max(ends) if ends else None
    elif anchor is AnchorEvent.LAST_CONTACT_FROM_SUBJECT:
        last = state.anchors.get(anchor)
        start = (
            state.subject.collected_at if last is None else max(last, state.subject.collected_at)
        )
    else:
        start = state.anchors.get(anchor)
    if start is None or start > at:
        return None
    return rule.expires_at(start)


def anchors_of(subject: Subject) -> dict[AnchorEvent, datetime]:
    """The anchor instants a subject's record carries (Art. 5(1)(e)): the last contact
    coming from the person (CNIL: a click counts, an opened e-mail does not) and the end
    of the customer relationship. Collection and withdrawal come from elsewhere."""
    anchors: dict[AnchorEvent, datetime] = {}
    if subject.last_contact_at is not None:
        anchors[AnchorEvent.LAST_CONTACT_FROM_SUBJECT] = subject.last_contact_at
    if subject.relationship_ended_at is not None:
        anchors[AnchorEvent.END_OF_RELATIONSHIP] = subject.relationship_ended_at
    return anchors


def schedule_for(state: SubjectState, declarations: Declarations) -> list[RetentionDue]:
    """The retention schedule of a subject: one due instant per purpose whose clock runs
    (Art. 5(1)(e)), with the action its rule takes at expiry."""
    entries = []
    for purpose_id in sorted(state.subject.purposes):
        purpose = declarations.purpose(purpose_id)
        due = retention_due(state, purpose, pending=declarations.pending_consent)
        if due is not None:
            entries.append(
                RetentionDue(state.subject.id, purpose_id, due, purpose.retention.action)
            )
    return entries


def expiring_fields(
    declarations: Declarations, purposes: Iterable[str], expired: str
) -> tuple[str, ...]:
    """Art. 5(1)(e): the fields that go when ``expired``'s retention runs out: those it
    needs and none of the subject's remaining ``purposes`` needs."""
    purpose = declarations.purpose(expired)
    remaining = [p for p in purposes if p != expired]
    return tuple(sorted(purpose.field_names - declarations.fields_needed(remaining)))


_FREEZING = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})


def frozen_by_request(requests: Iterable[DataSubjectRequest]) -> bool:
    """Art. 15, 20 (EDPB Guidelines 01/2022): an open access or portability request
    freezes the data it covers until it is answered, so the answer reflects the data as
    they were when asked; a retention sweep waits (the person's own erasure does not)."""
    return any(r.kind in _FREEZING and r.is_open for r in requests)

"""Storage limitation (Art. 5(1)(e)): when a purpose's retention period runs out."""

from __future__ import annotations

from datetime import UTC, datetime

from gdprcrm.model import AnchorEvent, Purpose
from gdprcrm.policy.state import SubjectState

__all__ = ["END_OF_TIME", "retention_due"]

END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)


def retention_due(
    state: SubjectState, purpose: Purpose, at: datetime = END_OF_TIME
) -> datetime | None:
    """Art. 5(1)(e): when ``purpose``'s retention of this subject runs out.

    None while the period's clock has not started by ``at`` (no end of relationship
    recorded yet, a consent still in force, ...). The default ``at`` asks about the
    records as they stand, to schedule the sweep.
    """
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
    return start + rule.period

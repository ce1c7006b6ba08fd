"""An erasure in progress, as a record of its own (Art. 17, 5(2)).

An erasure is one explicit sequence: *start* (the subject is marked, the Art. 19
notices are queued once), *delete* (what no Art. 17(3) hold keeps goes, with what
indexes it), then, once nothing is held, *shred* and *finalise* (the keys are destroyed
and the record is removed, in one unit of work). The record says which step was reached
and when the next one is due, so that a repeated or concurrent erasure, or a resumed
one after a crash, carries on from there and never repeats what was done.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from gdprcrm.model._checks import as_utc, aware, instance_of, optional_as_utc, optional_aware
from gdprcrm.model.identifiers import SubjectId

__all__ = ["ErasureStep", "PendingErasure"]


class ErasureStep(enum.Enum):
    STARTED = "started"
    """Marked, notices queued; nothing deleted yet."""
    HELD = "held"
    """What is not held is deleted; the rest waits for its Art. 17(3) hold to end."""


@attrs.frozen
class PendingErasure:
    """An erasure started and not yet finalised."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    started_at: datetime = attrs.field(converter=as_utc, validator=aware)
    step: ErasureStep = attrs.field(
        default=ErasureStep.STARTED, validator=instance_of(ErasureStep)
    )
    resume_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    """When the next step is due; None while a hold has no end date (a restriction for
    legal claims, Art. 17(3)(e)): lifting it makes the erasure due."""

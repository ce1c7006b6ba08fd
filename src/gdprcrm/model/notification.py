"""Notifications owed to recipients (Art. 19): one per recipient after each change."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import attrs

from gdprcrm.model._checks import (
    as_utc,
    aware,
    instance_of,
    optional_as_utc,
    optional_aware,
    slug,
)
from gdprcrm.model.identifiers import SubjectId

__all__ = ["NotificationEvent", "RecipientNotification"]


class NotificationEvent(enum.Enum):
    RECTIFICATION = "rectification"  # Art. 16
    ERASURE = "erasure"  # Art. 17(1)
    RESTRICTION = "restriction"  # Art. 18


@attrs.frozen
class RecipientNotification:
    """A recipient to tell of a rectification, erasure or restriction (Art. 19), queued
    until the host reports it sent."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    recipient_id: str = attrs.field(validator=slug)
    event: NotificationEvent = attrs.field(validator=instance_of(NotificationEvent))
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    sent_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))

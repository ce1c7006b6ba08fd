"""Data-subject requests (Art. 12, 15-22) as plain records; deadlines in gdprcrm.deadlines."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import attrs

from gdprcrm.model._checks import (
    as_utc,
    aware,
    check_date,
    instance_of,
    optional_as_utc,
    optional_aware,
    optional_text,
)
from gdprcrm.model.identifiers import SubjectId

__all__ = [
    "OPEN_STATUSES",
    "DataSubjectRequest",
    "IdentityStatus",
    "RequestKind",
    "RequestStatus",
]


class RequestKind(enum.Enum):
    ACCESS = "access"  # Art. 15
    RECTIFICATION = "rectification"  # Art. 16
    ERASURE = "erasure"  # Art. 17
    RESTRICTION = "restriction"  # Art. 18
    PORTABILITY = "portability"  # Art. 20
    OBJECTION = "objection"  # Art. 21


class RequestStatus(enum.Enum):
    OPEN = "open"
    EXTENDED = "extended"  # Art. 12(3), second sentence
    AWAITING_IDENTITY = "awaiting-identity"  # Art. 12(6)
    COMPLETED = "completed"
    REFUSED = "refused"  # Art. 12(4)/(5)


class IdentityStatus(enum.Enum):
    VERIFIED = "verified"
    REQUESTED = "requested"  # more information asked on reasonable doubt, Art. 12(6)
    UNIDENTIFIABLE = "unidentifiable"  # Art. 11(2)


OPEN_STATUSES = frozenset(
    {RequestStatus.OPEN, RequestStatus.EXTENDED, RequestStatus.AWAITING_IDENTITY}
)
"""The statuses of a request still to be answered."""


def _optional_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_date(value, f"DataSubjectRequest.{attribute.name}")


@attrs.frozen
class DataSubjectRequest:
    """A request, its due date and what became of it."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    kind: RequestKind = attrs.field(validator=instance_of(RequestKind))
    received_at: datetime = attrs.field(converter=as_utc, validator=aware)
    due_at: datetime = attrs.field(converter=as_utc, validator=aware)
    status: RequestStatus = attrs.field(
        default=RequestStatus.OPEN, validator=instance_of(RequestStatus)
    )
    identity: IdentityStatus = attrs.field(
        default=IdentityStatus.VERIFIED, validator=instance_of(IdentityStatus)
    )
    extended_due_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    extension_reason: str | None = attrs.field(default=None, validator=optional_text)
    closed_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    outcome: str | None = attrs.field(default=None, validator=optional_text)
    identity_doubt: str | None = attrs.field(default=None, validator=optional_text)
    """Art. 12(6): the reasonable doubt that justified asking for more identification."""
    identity_requested_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    identity_received_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))
    due_date: date | None = attrs.field(default=None, validator=_optional_date)

    @property
    def is_open(self) -> bool:
        """Not yet answered nor refused (awaiting identification counts as open)."""
        return self.status in OPEN_STATUSES

    """The calendar date, in the controller's legal time zone, by the end of which the
    answer is due (the extended one after an extension); ``due_at`` is that instant in
    UTC (e.g. 22:59:59.999999 UTC for the end of a day in Paris in winter)."""

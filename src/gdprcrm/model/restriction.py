"""The right to restriction of processing (Art. 18)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    as_utc,
    aware,
    instance_of,
    optional_as_utc,
    optional_aware,
)
from gdprcrm.model.identifiers import SubjectId

__all__ = ["Restriction", "RestrictionGround"]


class RestrictionGround(enum.Enum):
    """Art. 18(1)(a)-(d)."""

    ACCURACY_CONTESTED = "18(1)(a)"
    UNLAWFUL_ERASURE_OPPOSED = "18(1)(b)"
    NEEDED_FOR_LEGAL_CLAIMS = "18(1)(c)"
    OBJECTION_PENDING = "18(1)(d)"


def _lifting(instance: Restriction, attribute: attrs.Attribute[Any], value: object) -> None:
    optional_aware(instance, attribute, value)
    if instance.lifted_at is None:
        return
    if instance.lifted_at < instance.at:
        raise InvalidInput("Restriction.lifted_at: cannot precede the restriction")
    informed = instance.subject_informed_at
    if informed is None or informed > instance.lifted_at:
        # Art. 18(3): the subject is informed *before* the restriction is lifted.
        raise InvalidInput(
            "Restriction.lifted_at: the subject must be informed before lifting (Art. 18(3))"
        )


@attrs.frozen
class Restriction:
    """A restriction in force on ``[at, lifted_at)``: only storage, save Art. 18(2)."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    ground: RestrictionGround = attrs.field(validator=instance_of(RestrictionGround))
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    subject_informed_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    lifted_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=_lifting
    )
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))

    def in_force(self, at: datetime) -> bool:
        return self.at <= at and (self.lifted_at is None or at < self.lifted_at)

    def lift(self, informed_at: datetime, at: datetime) -> Restriction:
        """The same restriction, lifted at ``at`` after informing the subject (18(3))."""
        return attrs.evolve(self, subject_informed_at=informed_at, lifted_at=at)

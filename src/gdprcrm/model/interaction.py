"""The transparency log: every contact and communication with a subject (Art. 5(1)(a), 12)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, instance_of, slug, text
from gdprcrm.model.identifiers import SubjectId

__all__ = ["Direction", "Interaction", "InteractionKind"]


class InteractionKind(enum.Enum):
    CONTACT = "contact"  # a call, a meeting, a message about business
    COMMUNICATION = "communication"  # a newsletter, an offer, a notification
    DATA_USE = "data-use"  # a communication about how their data is used (notice, Art. 14)
    REQUEST = "request"  # exchanges about a data-subject request
    CONSENT = "consent"  # a consent asked, given or withdrawn


class Direction(enum.Enum):
    INBOUND = "inbound"  # from the subject (counts as "last contact from the subject")
    OUTBOUND = "outbound"


_PURPOSELESS = frozenset({InteractionKind.DATA_USE, InteractionKind.REQUEST})


def _purpose(instance: Interaction, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        if instance.kind not in _PURPOSELESS:
            raise InvalidInput(
                f"Interaction.purpose_id: a {instance.kind.value} interaction serves a "
                "purpose; only data-use and request communications have none"
            )
        return
    slug(instance, attribute, value)


@attrs.frozen
class Interaction:
    """One interaction; ``content`` is the vault ciphertext of what was said, if kept."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    kind: InteractionKind = attrs.field(validator=instance_of(InteractionKind))
    direction: Direction = attrs.field(validator=instance_of(Direction))
    purpose_id: str | None = attrs.field(validator=_purpose)
    """The purpose it served; None only for communications about the person's data and
    rights themselves (``DATA_USE``, ``REQUEST``: the Art. 14 information, a request's
    answer), which serve no processing purpose."""
    channel: str = attrs.field(validator=text)
    content: bytes | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(bytes)), repr=False
    )
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))

    @property
    def about_data_use(self) -> bool:
        return self.kind is InteractionKind.DATA_USE

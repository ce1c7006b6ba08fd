"""The right to object (Art. 21)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, instance_of, optional_text, slug
from gdprcrm.model.channel import Channel
from gdprcrm.model.field import Lookup
from gdprcrm.model.identifiers import SubjectId

__all__ = ["Objection", "SuppressionEntry"]


def _scope(instance: Objection, attribute: attrs.Attribute[Any], value: object) -> None:
    if (instance.purpose_id is None) == (not instance.direct_marketing):
        raise InvalidInput(
            "Objection: object either to one purpose (purpose_id) or to all direct "
            "marketing (direct_marketing=True), exactly one of the two"
        )
    if instance.direct_marketing and instance.overridden_by is not None:
        raise InvalidInput(
            "Objection.overridden_by: an objection to direct marketing is absolute "
            "(Art. 21(3)); no grounds can override it"
        )


@attrs.frozen
class Objection:
    """An objection, from ``at`` on.

    ``direct_marketing=True`` objects to every direct-marketing purpose, profiling for it
    included (Art. 21(2)-(3)): absolute. An objection to one purpose under Art. 6(1)(e)
    or (f) stops it unless the controller records compelling legitimate grounds that
    override it (Art. 21(1)): ``overridden_by`` holds the reference to that assessment.
    """

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    purpose_id: str | None = attrs.field(default=None, validator=attrs.validators.optional(slug))
    direct_marketing: bool = attrs.field(default=False, validator=[instance_of(bool)])
    overridden_by: str | None = attrs.field(default=None, validator=[optional_text, _scope])
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))
    contact_channel: Channel | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Channel)), kw_only=True
    )
    """An objection to messages on one channel only ("no more SMS"): it stops that
    channel and leaves the others; None: the whole purpose, or all direct marketing."""


def _digest(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidInput("SuppressionEntry.digest: expected a 32-byte blind index")


@attrs.frozen
class SuppressionEntry:
    """A hashed contact point that objected to direct marketing (Art. 21(3)).

    Only the keyed hash (the blind index) of the e-mail address or phone number is kept,
    not the subject id: it outlives the person's erasure, so that the same contact point
    is never re-added for marketing (the CNIL keeps opposition lists at least 3 years).
    """

    digest: bytes = attrs.field(validator=_digest, repr=False)
    kind: Lookup = attrs.field(validator=instance_of(Lookup))
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    channel: Channel | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Channel)), kw_only=True
    )
    """The one channel the objection was to ("no more SMS"); None: all direct
    marketing."""

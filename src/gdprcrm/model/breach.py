"""Personal data breaches (Art. 33, 34) as plain records."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import attrs

from gdprcrm.model._checks import (
    as_utc,
    aware,
    instance_of,
    non_negative_int,
    optional_as_utc,
    optional_aware,
    optional_text,
    text,
    to_frozenset,
)

__all__ = ["Breach", "CommunicationException"]


class CommunicationException(enum.Enum):
    """Art. 34(3): when a high-risk breach need not be communicated to the people."""

    UNINTELLIGIBLE = "34(3)(a)"  # the data was unintelligible to others (e.g. encrypted)
    RISK_NO_LONGER_LIKELY = "34(3)(b)"  # later measures removed the high risk
    DISPROPORTIONATE_EFFORT = "34(3)(c)"  # a public communication instead


@attrs.frozen
class Breach:
    """A breach, documented whether or not it is notified (Art. 33(5)).

    ``aware_at`` starts the 72-hour clock of Art. 33(1).
    """

    aware_at: datetime = attrs.field(converter=as_utc, validator=aware)
    nature: str = attrs.field(validator=text)
    categories: frozenset[str] = attrs.field(converter=to_frozenset, factory=frozenset)
    approx_subjects: int = attrs.field(default=0, validator=non_negative_int)
    approx_records: int = attrs.field(default=0, validator=non_negative_int)
    consequences: str | None = attrs.field(default=None, validator=optional_text)
    measures: str | None = attrs.field(default=None, validator=optional_text)
    occurred_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    notified_authority_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    delay_reasons: str | None = attrs.field(default=None, validator=optional_text)
    """Art. 33(1): why the notification came after 72 hours."""
    high_risk: bool = attrs.field(default=False, validator=instance_of(bool))
    """Art. 34(1): a high risk to the rights and freedoms of the people."""
    communicated_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=optional_aware
    )
    communication_exception: CommunicationException | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(CommunicationException))
    )
    not_notified_reason: str | None = attrs.field(default=None, validator=optional_text)
    """Art. 33(1): why the breach is unlikely to result in a risk (not notified)."""
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))

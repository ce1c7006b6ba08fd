"""Personal data breaches (Art. 33, 34) as plain records."""

from __future__ import annotations

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

__all__ = ["Breach"]


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
    id: uuid.UUID = attrs.field(factory=uuid.uuid4, validator=instance_of(uuid.UUID))

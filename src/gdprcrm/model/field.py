"""Fields: what a CRM stores about a person, declared once by the host."""

from __future__ import annotations

import enum

import attrs

from gdprcrm.model._checks import field_name, instance_of, optional_text
from gdprcrm.model.category import DataCategory

__all__ = ["FieldSpec", "Lookup", "Provenance"]


class Provenance(enum.Enum):
    """How a value reached the controller (Art. 20 covers provided and observed data)."""

    PROVIDED = "provided"  # actively given by the subject (a form, an order)
    OBSERVED = "observed"  # observed from their use of a service (logs, clicks)
    INFERRED = "inferred"  # derived by the controller (scores, segments): not portable


class Lookup(enum.Enum):
    """How a lookup-key field is normalised before its blind index is computed."""

    EMAIL = "email"  # trimmed, NFKC, case-folded
    PHONE = "phone"  # digits with country code
    EXACT = "exact"  # trimmed, NFKC


@attrs.frozen
class FieldSpec:
    """A field the host declares: its name, category, provenance and lookup role.

    A field with ``lookup`` set is a lookup key: it gets a blind index so that the host
    can find the subject without decrypting anything.
    """

    name: str = attrs.field(validator=field_name)
    category: DataCategory = attrs.field(validator=instance_of(DataCategory))
    provenance: Provenance = attrs.field(
        default=Provenance.PROVIDED, validator=instance_of(Provenance)
    )
    lookup: Lookup | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Lookup))
    )
    description: str | None = attrs.field(default=None, validator=optional_text)

    @property
    def is_lookup_key(self) -> bool:
        return self.lookup is not None

    @property
    def portable(self) -> bool:
        """Art. 20(1): only data provided by the subject (actively or observed)."""
        return self.provenance is not Provenance.INFERRED

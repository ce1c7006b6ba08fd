"""Personal values at rest: always ciphertext, never plaintext (Art. 5(1)(f), 32)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, field_name, instance_of
from gdprcrm.model.field import Lookup
from gdprcrm.model.identifiers import SubjectId

__all__ = ["MAX_CIPHERTEXT", "BlindIndexEntry", "PersonalField"]

MAX_CIPHERTEXT = 1 << 20
"""The largest ciphertext one field may hold (1 MiB): bigger values belong in a file
store, encrypted with the same vault."""


def _ciphertext(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bytes):
        raise InvalidInput("PersonalField.ciphertext: expected the vault's envelope bytes")
    if len(value) > MAX_CIPHERTEXT:
        raise InvalidInput("PersonalField.ciphertext: larger than 1 MiB")


@attrs.frozen
class PersonalField:
    """One stored field of a subject: the vault envelope of its value."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    name: str = attrs.field(validator=field_name)
    ciphertext: bytes = attrs.field(validator=_ciphertext, repr=False)
    updated_at: datetime = attrs.field(converter=as_utc, validator=aware)


def _digest(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidInput("BlindIndexEntry.digest: expected the 32-byte blind index")


@attrs.frozen
class BlindIndexEntry:
    """A lookup key's blind index, pointing at its subject; deleted with the subject."""

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    field: str = attrs.field(validator=field_name)
    kind: Lookup = attrs.field(validator=instance_of(Lookup))
    digest: bytes = attrs.field(validator=_digest, repr=False)

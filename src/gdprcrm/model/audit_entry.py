"""One line of the accountability trail (Art. 5(2)); chained by gdprcrm.audit."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    as_utc,
    aware,
    instance_of,
    non_negative_int,
    to_pairs,
)
from gdprcrm.model.identifiers import SubjectId

__all__ = ["AuditEntry", "DetailValue"]

DetailValue = str | int | bool | None
_CODE = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
_MAX_DETAIL_TEXT = 64


def _code(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise InvalidInput(f"AuditEntry.{attribute.name}: expected a short lower-case code")


def _details(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Audit entries hold no personal data: only ids, enum values, numbers and short codes.
    if not isinstance(value, tuple):
        raise InvalidInput("AuditEntry.details: expected key/value pairs")
    for pair in value:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise InvalidInput("AuditEntry.details: expected key/value pairs")
        key, item = pair
        if not isinstance(key, str) or not _CODE.fullmatch(key):
            raise InvalidInput("AuditEntry.details: keys are short lower-case codes")
        if item is not None and not isinstance(item, str | int | bool):
            raise InvalidInput(f"AuditEntry.details[{key!r}]: only text codes, numbers, booleans")
        if isinstance(item, str) and len(item) > _MAX_DETAIL_TEXT:
            raise InvalidInput(f"AuditEntry.details[{key!r}]: too long for a code")


def _hash(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bytes) or len(value) not in (0, 32):
        raise InvalidInput(f"AuditEntry.{attribute.name}: expected 32 bytes (or empty)")


@attrs.frozen
class AuditEntry:
    """Who did what, when, to which (opaque) subject, for which purpose.

    ``previous_hash`` and ``hash`` are set by the chain (gdprcrm.audit); an entry built
    by hand leaves them empty.
    """

    sequence: int = attrs.field(validator=non_negative_int)
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    actor: str = attrs.field(validator=_code)
    action: str = attrs.field(validator=_code)
    subject_id: SubjectId | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(SubjectId))
    )
    purpose_id: str | None = attrs.field(default=None, validator=attrs.validators.optional(_code))
    details: tuple[tuple[str, DetailValue], ...] = attrs.field(
        default=(), converter=to_pairs, validator=_details
    )
    previous_hash: bytes = attrs.field(default=b"", validator=_hash, repr=False)
    hash: bytes = attrs.field(default=b"", validator=_hash, repr=False)

"""One line of the accountability trail (Art. 5(2)); chained by gdprcrm.audit."""

from __future__ import annotations

import functools
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

__all__ = ["AuditEntry", "DetailValue", "is_code"]

DetailValue = str | int | bool | None
_CODE = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")


@functools.lru_cache(maxsize=4096)
def _is_short_code(value: str) -> bool:
    return bool(_CODE.fullmatch(value))


def _code(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _is_short_code(value):
        raise InvalidInput(f"AuditEntry.{attribute.name}: expected a short lower-case code")


_DETAIL_CODE = re.compile(r"[a-z0-9][a-z0-9_.:/-]{0,63}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DIGIT_RUN = re.compile(r"[0-9]{7,}")


@functools.lru_cache(maxsize=8192)
def is_code(text: str) -> bool:
    """True for what an audit entry may hold as text: an opaque UUID, or a short
    lower-case code (no spaces, no '@', no '+', no run of 7 digits or more).

    This is the guard that keeps personal data out of the audit trail: names with
    capitals or spaces, e-mail addresses, phone numbers and free text are refused.
    """
    if _UUID.fullmatch(text):
        return True
    return bool(_DETAIL_CODE.fullmatch(text)) and not _DIGIT_RUN.search(text)


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
        if isinstance(item, str) and not is_code(item):
            raise InvalidInput(
                f"AuditEntry.details[{key!r}]: only ids and short lower-case codes; "
                "free text, e-mail addresses and phone numbers are refused (Art. 5(1)(c))"
            )


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

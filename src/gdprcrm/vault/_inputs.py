"""Checks on what callers hand the vault (shared by its two halves)."""

from __future__ import annotations

import uuid

from gdprcrm.errors import InvalidInput
from gdprcrm.vault import hazmat

__all__ = ["Context", "context_part", "not_a_subject_id", "subject_bytes"]

Context = bytes | str | uuid.UUID | None
"""A record context: an opaque id (never personal data) binding a value to its record."""


def not_a_subject_id(value: object) -> InvalidInput:
    hint = " (use SubjectId.parse(text))" if isinstance(value, str) else ""
    return InvalidInput(f"the vault expects a SubjectId, got {type(value).__name__}{hint}")


def context_part(context: bytes | str | uuid.UUID) -> bytes:
    if isinstance(context, uuid.UUID):
        raw = context.bytes
    elif isinstance(context, str):
        raw = context.encode()
    elif isinstance(context, bytes):
        raw = context
    else:
        raise InvalidInput("a record context is bytes, str or UUID")
    return hazmat.aad_part(raw, "record context (a short opaque id)")


def subject_bytes(subject_id: object) -> bytes:
    """The 16 bytes of a SubjectId; InvalidInput for anything else."""
    try:
        return subject_id._bytes  # type: ignore[attr-defined, no-any-return]
    except AttributeError:
        raise not_a_subject_id(subject_id) from None

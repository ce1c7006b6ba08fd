"""Opaque identifiers: the only way logs, audit entries and certificates name a person."""

from __future__ import annotations

import uuid

import attrs

from gdprcrm.errors import InvalidInput

__all__ = ["RecordId", "SubjectId"]


def _check_uuid(instance: object, attribute: attrs.Attribute[uuid.UUID], value: object) -> None:
    if not isinstance(value, uuid.UUID):
        hint = " (for text, use SubjectId.parse(text))" if isinstance(value, str) else ""
        raise InvalidInput(f"SubjectId.value: expected a uuid.UUID{hint}")


@attrs.frozen(order=True, cache_hash=True)  # a dict key everywhere: hashed once
class SubjectId:
    """A random, opaque id for a data subject (a UUID4; it carries nothing personal).

    Create one with :meth:`new`; parse a stored one with :meth:`parse`.
    """

    value: uuid.UUID = attrs.field(validator=_check_uuid)
    _bytes: bytes = attrs.field(init=False, eq=False, order=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_bytes", self.value.bytes)

    @classmethod
    def new(cls) -> SubjectId:
        """A fresh random id (122 random bits from the OS)."""
        return cls(uuid.uuid4())

    @classmethod
    def parse(cls, text: str) -> SubjectId:
        """Read an id back from :meth:`__str__`'s form (or any UUID spelling)."""
        try:
            return cls(uuid.UUID(text))
        except (ValueError, TypeError, AttributeError):
            raise InvalidInput("SubjectId: not a UUID") from None

    def __str__(self) -> str:
        return str(self.value)

    @property
    def bytes(self) -> bytes:
        """The 16 raw bytes (used to bind ciphertexts and index keys to this subject)."""
        return self._bytes


def _check_record_uuid(
    instance: object, attribute: attrs.Attribute[uuid.UUID], value: object
) -> None:
    if not isinstance(value, uuid.UUID):
        hint = " (for text, use RecordId.parse(text))" if isinstance(value, str) else ""
        raise InvalidInput(f"RecordId.value: expected a uuid.UUID{hint}")


@attrs.frozen(order=True)
class RecordId:
    """A random, opaque id for one record of a subject (an invoice, an order, a ticket).

    It is also the id of the record's key scope: destroying that key erases the record
    in every copy of the data store (see :mod:`gdprcrm.vault.scopes`).
    """

    value: uuid.UUID = attrs.field(validator=_check_record_uuid)

    @classmethod
    def new(cls) -> RecordId:
        return cls(uuid.uuid4())

    @classmethod
    def parse(cls, text: str) -> RecordId:
        try:
            return cls(uuid.UUID(text))
        except (ValueError, TypeError, AttributeError):
            raise InvalidInput("RecordId: not a UUID") from None

    def __str__(self) -> str:
        return str(self.value)

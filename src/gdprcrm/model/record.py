"""Records: the many dated things a CRM keeps per person (orders, invoices, tickets).

A record kind is declared once (its fields, the purposes it serves, its retention); a
subject may have any number of records of each kind. Each record has its own date and
its own retention, counted from that date or from the close of the financial year it
falls in (Code de commerce art. L123-22: accounting documents, ten years from the
close), and its own key scope: erasing one record destroys its key.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import (
    as_tuple,
    as_utc,
    aware,
    check_aware,
    frozenset_of_slugs,
    instance_of,
    optional_text,
    slug,
    to_frozenset,
    tuple_of,
)
from gdprcrm.model.field import FieldSpec
from gdprcrm.model.identifiers import RecordId, SubjectId
from gdprcrm.model.personal_field import MAX_CIPHERTEXT
from gdprcrm.model.retention import FinancialYearEnd, check_period, format_period
from gdprcrm.model.translation import Translations, check_translations, to_translations

__all__ = ["FinancialYearEnd", "Record", "RecordAnchor", "RecordKind", "RecordRetention"]


class RecordAnchor(enum.Enum):
    """The event a record's retention runs from."""

    RECORD_DATE = "record-date"  # the record's own date (an order, a ticket)
    FINANCIAL_YEAR_END = "financial-year-end"  # the close of the year it falls in (invoices)


def _period(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_period(value, "RecordRetention.period")


@attrs.frozen
class RecordRetention:
    """Keep each record for ``period`` from ``anchor`` (Art. 5(1)(e)), then erase it.

    ``legal_reference`` names the law that imposes the period (e.g. "Code de commerce,
    art. L123-22"): the record is then held against an erasure request until its period
    ends (Art. 17(3)(b)), and used for that obligation only.
    """

    period: relativedelta = attrs.field(validator=_period)
    anchor: RecordAnchor = attrs.field(
        default=RecordAnchor.RECORD_DATE, validator=instance_of(RecordAnchor)
    )
    legal_reference: str | None = attrs.field(default=None, validator=optional_text)

    @property
    def is_legal_hold(self) -> bool:
        return self.legal_reference is not None

    def expires_at(self, dated: datetime, year_end: FinancialYearEnd) -> datetime:
        """When a record dated ``dated`` falls due."""
        dated = check_aware(dated, "RecordRetention.expires_at(dated)")
        if self.anchor is RecordAnchor.FINANCIAL_YEAR_END:
            return year_end.close_after(dated) + self.period
        return dated + self.period

    def __repr__(self) -> str:
        return (
            f"RecordRetention({format_period(self.period)}, {self.anchor.value}, "
            f"legal_reference={self.legal_reference!r})"
        )


def _kind_fields(instance: RecordKind, attribute: attrs.Attribute[Any], value: object) -> None:
    tuple_of(FieldSpec)(instance, attribute, value)
    assert isinstance(value, tuple)
    if not value:
        raise InvalidInput("RecordKind.fields: a record kind declares at least one field")
    names = [f.name for f in value]
    if len(set(names)) != len(names):
        raise InvalidInput("RecordKind.fields: a field name is declared twice")
    if any(f.lookup is not None for f in value):
        raise InvalidInput(
            "RecordKind.fields: records are not looked up by value; declare lookup keys "
            "on the subject's fields"
        )


def _kind_purposes(instance: RecordKind, attribute: attrs.Attribute[Any], value: object) -> None:
    frozenset_of_slugs(instance, attribute, value)
    if not value:
        raise InvalidInput("RecordKind.purposes: a record serves at least one purpose")


def _translations_record_kind(instance: object, attribute: object, value: object) -> None:
    check_translations("Record_kind", value, ("name", "description"))


@attrs.frozen
class RecordKind:
    """A kind of record the host keeps (``invoice``, ``order``, ``ticket``).

    ``purposes`` are the declared purposes the records are processed for (Art. 5(1)(b)):
    a record is added only for a subject collected for one of them. ``fields`` are the
    only values a record may hold (Art. 5(1)(c)).
    """

    id: str = attrs.field(validator=slug)
    purposes: frozenset[str] = attrs.field(converter=to_frozenset, validator=_kind_purposes)
    fields: tuple[FieldSpec, ...] = attrs.field(converter=as_tuple, validator=_kind_fields)
    retention: RecordRetention = attrs.field(validator=instance_of(RecordRetention))
    description: str | None = attrs.field(default=None, validator=optional_text)
    name: str | None = attrs.field(default=None, validator=optional_text)
    """How documents name the kind ("Factures"); its id when not given."""
    translations: Translations = attrs.field(
        default=(), converter=to_translations, validator=_translations_record_kind, kw_only=True
    )
    """Its texts in other languages: ``{"en": {"name": ...}}`` (name, description)."""

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


def _ciphertext(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bytes):
        raise InvalidInput("Record.ciphertext: expected the vault's envelope bytes")
    if len(value) > MAX_CIPHERTEXT:
        raise InvalidInput("Record.ciphertext: larger than 1 MiB")


@attrs.frozen
class Record:
    """One stored record: its ids, dates and the envelope of its values.

    The values are encrypted in the record's own key scope (its id), so that the record
    can be erased in every copy without touching the subject's other data. ``due_at``
    is when its retention ends (computed when it was written, indexed for the sweep).
    """

    id: RecordId = attrs.field(validator=instance_of(RecordId))
    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    kind: str = attrs.field(validator=slug)
    dated: datetime = attrs.field(converter=as_utc, validator=aware)
    created_at: datetime = attrs.field(converter=as_utc, validator=aware)
    updated_at: datetime = attrs.field(converter=as_utc, validator=aware)
    due_at: datetime = attrs.field(converter=as_utc, validator=aware)
    ciphertext: bytes = attrs.field(validator=_ciphertext, repr=False)

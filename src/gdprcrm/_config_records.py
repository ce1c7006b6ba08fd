"""The ``[[records]]`` tables and ``financial_year_end`` of a declarations file (private;
see :mod:`gdprcrm.config` and docs/records.md)::

    financial_year_end = "12-31"

    [[records]]
    kind = "invoice"
    purposes = ["invoicing"]
    fields = [
        { name = "number", category = "financial.invoice" },
        { name = "amount", category = "financial.invoice" },
    ]
    [records.retention]
    period = "P10Y"
    anchor = "financial-year-end"
    legal_reference = "Code de commerce, art. L123-22"
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from gdprcrm._config_support import Errors, enum_value
from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    DataCategory,
    FieldSpec,
    FinancialYearEnd,
    Provenance,
    RecordAnchor,
    RecordKind,
    RecordRetention,
    parse_period,
)

__all__ = ["RecordDoc", "financial_year_end", "record_kinds"]

_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")


@attrs.frozen
class RecordFieldDoc:
    name: str
    category: str
    provenance: str = "provided"
    description: str | None = None


@attrs.frozen
class RecordRetentionDoc:
    period: str
    anchor: str = "record-date"
    legal_reference: str | None = None


@attrs.frozen
class RecordDoc:
    kind: str
    purposes: list[str]
    fields: list[RecordFieldDoc]
    retention: RecordRetentionDoc
    description: str | None = None
    name: str | None = None
    en: dict[str, str] | None = None
    fr: dict[str, str] | None = None


def financial_year_end(text: str | None) -> FinancialYearEnd:
    """``"MM-DD"`` (31 December when absent)."""
    if text is None:
        return FinancialYearEnd()
    match = _MONTH_DAY.fullmatch(text)
    if match is None:
        raise InvalidInput(f"expected the last day of the financial year as 'MM-DD', got {text!r}")
    return FinancialYearEnd(int(match[1]), int(match[2]))


def record_kinds(
    docs: list[RecordDoc], taxonomy: Mapping[str, DataCategory], errors: Errors
) -> list[RecordKind]:
    """The declared record kinds; an error line for each problem."""
    kinds = []
    for i, doc in enumerate(docs):
        kind = _kind(doc, f"$.records[{i}]", taxonomy, errors)
        if kind is not None:
            kinds.append(kind)
    return kinds


def _kind(
    doc: RecordDoc, path: str, taxonomy: Mapping[str, DataCategory], errors: Errors
) -> RecordKind | None:
    fields = [
        spec
        for j, f in enumerate(doc.fields)
        if (spec := _field(f, f"{path}.fields[{j}]", taxonomy, errors)) is not None
    ]
    retention = _retention(doc.retention, f"{path}.retention", errors)
    if retention is None or len(fields) != len(doc.fields):
        return None

    def build() -> RecordKind:
        return RecordKind(
            doc.kind,
            frozenset(doc.purposes),
            tuple(fields),
            retention,
            doc.description,
            doc.name,
            translations={lang: dict(t) for lang in ("en", "fr") if (t := getattr(doc, lang))},
        )

    return errors.run(path, build)


def _field(
    f: RecordFieldDoc, path: str, taxonomy: Mapping[str, DataCategory], errors: Errors
) -> FieldSpec | None:
    if f.category not in taxonomy:
        errors.lines.append(f"{path}.category: unknown data category {f.category!r}")
        return None

    def build() -> FieldSpec:
        provenance = enum_value(Provenance, f.provenance)
        return FieldSpec(f.name, taxonomy[f.category], provenance, description=f.description)

    return errors.run(path, build)


def _retention(rd: RecordRetentionDoc, path: str, errors: Errors) -> RecordRetention | None:
    period = errors.run(f"{path}.period", lambda: parse_period(rd.period))
    anchor = errors.run(f"{path}.anchor", lambda: enum_value(RecordAnchor, rd.anchor))
    if period is None or anchor is None:
        return None
    return errors.run(path, lambda: RecordRetention(period, anchor, rd.legal_reference))

"""Hypothesis strategies for records (orders, invoices, ...) and their retention
(private; re-exported by :mod:`gdprcrm.testing.strategies`)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from gdprcrm.model import (
    DEFAULT_TAXONOMY,
    FieldSpec,
    FinancialYearEnd,
    Provenance,
    Record,
    RecordAnchor,
    RecordId,
    RecordKind,
    RecordRetention,
)
from gdprcrm.testing._base_strategies import (
    FIELD_NAMES,
    instants,
    purpose_ids,
    retention_periods,
    subject_ids,
)

__all__ = [
    "financial_year_ends",
    "record_ids",
    "record_kinds",
    "record_retentions",
    "stored_records",
]

_ORDINARY = [c for c in DEFAULT_TAXONOMY.values() if not c.sensitive]


def record_ids() -> st.SearchStrategy[RecordId]:
    return st.builds(RecordId, st.uuids(version=4))


@st.composite
def financial_year_ends(draw: st.DrawFn) -> FinancialYearEnd:
    """Any last day of a financial year that exists every year (31 December first)."""
    month = draw(st.integers(1, 12).map(lambda m: 12 - (m % 12)))  # shrinks toward 12
    days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    day = draw(st.integers(0, days - 1).map(lambda d: days - d))  # toward the month's end
    return FinancialYearEnd(month, day)


@st.composite
def record_retentions(draw: st.DrawFn, *, legal: bool | None = None) -> RecordRetention:
    period = draw(retention_periods())
    has_reference = draw(st.booleans()) if legal is None else legal
    return RecordRetention(
        period,
        draw(st.sampled_from(list(RecordAnchor))),
        "Code de commerce, art. L123-22" if has_reference else None,
    )


@st.composite
def record_kinds(
    draw: st.DrawFn, *, purposes: list[str] | None = None, legal: bool | None = None
) -> RecordKind:
    """A record kind serving ``purposes`` (drawn when not given), with 1 to 4 fields."""
    names = draw(st.lists(FIELD_NAMES, min_size=1, max_size=4, unique=True))
    fields = tuple(
        FieldSpec(
            name,
            draw(st.sampled_from(_ORDINARY)),
            draw(st.sampled_from([Provenance.PROVIDED, Provenance.OBSERVED])),
        )
        for name in names
    )
    chosen = purposes or draw(st.lists(purpose_ids(), min_size=1, max_size=2, unique=True))
    return RecordKind(
        draw(st.sampled_from(["invoice", "order", "ticket", "contract"])),
        frozenset(chosen),
        fields,
        draw(record_retentions(legal=legal)),
    )


@st.composite
def stored_records(draw: st.DrawFn) -> Record:
    """A stored record (its ciphertext is opaque bytes: no vault involved)."""
    dated = draw(instants())
    return Record(
        draw(record_ids()),
        draw(subject_ids()),
        draw(st.sampled_from(["invoice", "order"])),
        dated,
        dated,
        dated,
        dated + timedelta(days=draw(st.integers(1, 4000))),
        draw(st.binary(min_size=35, max_size=128)),
    )

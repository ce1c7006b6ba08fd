"""Records' retention (Art. 5(1)(e)) and holds (Art. 17(3)), as properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput
from gdprcrm.examples import lumiere
from gdprcrm.model import FinancialYearEnd, Record, RecordAnchor, RecordId, RecordKind, SubjectId
from gdprcrm.policy.records import plan_records, record_due
from gdprcrm.testing import strategies as gst


@given(gst.financial_year_ends(), gst.instants())
def test_the_close_is_the_end_of_the_first_year_end_day_on_or_after_the_date(
    year_end: FinancialYearEnd, at: datetime
) -> None:
    close = year_end.close_after(at)
    assert close > at
    assert close - at <= timedelta(days=366)
    assert close.timetz() == time(tzinfo=UTC)  # midnight UTC, the day after
    last_day = (close - timedelta(days=1)).date()
    assert (last_day.month, last_day.day) == (year_end.month, year_end.day)
    # The first such day: the same day a year earlier would be before the date.
    assert 0 <= (last_day - at.date()).days <= 365


@given(gst.record_kinds(), gst.financial_year_ends(), gst.instants())
def test_a_record_is_kept_its_period_from_its_own_anchor(
    kind: RecordKind, year_end: FinancialYearEnd, dated: datetime
) -> None:
    due = kind.retention.expires_at(dated, year_end)
    if kind.retention.anchor is RecordAnchor.FINANCIAL_YEAR_END:
        assert due == year_end.close_after(dated) + kind.retention.period
        assert due >= dated + kind.retention.period  # never shorter than the period
    else:
        assert due == dated + kind.retention.period


def test_the_invoice_of_the_issue_is_kept_until_2036() -> None:
    decl = lumiere.declarations()
    invoice = decl.record_kind("invoice")
    assert record_due(decl, invoice, datetime(2025, 3, 10, tzinfo=UTC)) == datetime(
        2036, 1, 1, tzinfo=UTC
    )
    assert record_due(decl, invoice, datetime(2025, 12, 31, 23, tzinfo=UTC)) == datetime(
        2036, 1, 1, tzinfo=UTC
    )
    assert record_due(decl, invoice, datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2037, 1, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(("month", "day"), [(2, 29), (4, 31), (0, 1), (12, 32)])
def test_a_year_end_that_is_not_a_day_of_every_year_is_refused(month: int, day: int) -> None:
    with pytest.raises(InvalidInput):
        FinancialYearEnd(month, day)


def _record(kind: str, due: datetime) -> Record:
    at = due - timedelta(days=10)
    return Record(RecordId.new(), SubjectId.new(), kind, at, at, at, due, b"\x00" * 40)


@given(
    st.lists(
        st.tuples(st.sampled_from(["invoice", "order", "gone"]), st.integers(-400, 400)),
        max_size=12,
    ),
    st.booleans(),
)
def test_only_records_under_a_running_legal_period_or_a_claim_are_held(
    items: list[tuple[str, int]], claims: bool
) -> None:
    # Art. 17(3)(b): a legal period holds its record until it ends; (e): a restriction
    # for legal claims holds every record; everything else is erased now.
    decl = lumiere.declarations()
    now = datetime(2030, 6, 1, tzinfo=UTC)
    records = [_record(kind, now + timedelta(days=days)) for kind, days in items]
    plans = {p.record_id: p for p in plan_records(decl, records, now, claims=claims)}
    assert set(plans) == {r.id for r in records}
    for r in records:
        plan = plans[r.id]
        if claims:
            assert plan.hold == "17(3)(e)"
        elif r.kind == "invoice" and r.due_at > now:  # the one kind kept by law
            assert plan.hold == "17(3)(b)"
            assert plan.until == r.due_at
        else:
            assert plan.erased

"""Periods counted from the close of the financial year (Code de commerce art. L123-22):
a purpose's data can be kept "10 years from the close of the financial year in which
the relationship ended", worded so in the notice and the register (issue 13, item 9)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given

from gdprcrm.config import parse_declarations
from gdprcrm.documents import build_notice, build_register
from gdprcrm.examples import lumiere
from gdprcrm.model import AnchorEvent, Declarations, FinancialYearEnd, RetentionRule
from gdprcrm.policy import SubjectState
from gdprcrm.policy.retention import anchors_of, retention_due
from gdprcrm.testing import strategies as gst
from gdprcrm.testing.builders import build_purpose, build_subject

TEN = relativedelta(years=10)


def test_ten_years_from_the_close_of_the_year_the_relationship_ended() -> None:
    rule = RetentionRule(
        TEN, AnchorEvent.END_OF_RELATIONSHIP, financial_year_end=FinancialYearEnd(3, 31)
    )
    ended = datetime(2026, 6, 15, 10, tzinfo=UTC)
    assert rule.expires_at(ended) == datetime(2037, 4, 1, tzinfo=UTC)  # 31/03/2027 + 10 y
    purpose = build_purpose("invoicing", retention=rule)
    subject = build_subject(purposes=["invoicing"], relationship_ended_at=ended)
    state = SubjectState(subject, anchors=anchors_of(subject))
    assert retention_due(state, purpose) == datetime(2037, 4, 1, tzinfo=UTC)


@given(gst.financial_year_ends(), gst.instants())
def test_the_close_only_ever_adds_less_than_a_year(
    year_end: FinancialYearEnd, start: datetime
) -> None:
    plain = RetentionRule(TEN)
    closing = RetentionRule(TEN, financial_year_end=year_end)
    assert plain.expires_at(start) <= closing.expires_at(start)
    assert closing.expires_at(start) <= plain.expires_at(start) + timedelta(days=367)


def _invoicing_from_the_close(year_end: str = "12-31") -> Declarations:
    text = lumiere.toml_path().read_text("utf-8")
    text = text.replace('financial_year_end = "12-31"', f'financial_year_end = "{year_end}"')
    start = text.index('id = "invoicing"')
    assert "financial_year = true" in text[start:]  # the example declares it
    return parse_declarations(tomllib.loads(text))


def test_the_example_keeps_invoicing_from_the_close_of_the_financial_year() -> None:
    assert lumiere.declarations().purpose("invoicing").retention.financial_year_end is not None


def test_a_purpose_kept_from_the_close_of_the_financial_year_is_worded_so() -> None:
    decl = _invoicing_from_the_close()
    invoicing = decl.purpose("invoicing")
    assert invoicing.retention.financial_year_end == decl.financial_year_end
    fr = build_notice(decl, "fr").to_markdown()
    assert "10 ans à compter de la clôture de l'exercice de la collecte" in fr
    assert "10 ans à compter de la collecte," not in fr
    en = build_notice(decl, "en").to_markdown()
    assert "10 years from the close of the financial year of collection" in en
    register = build_register(decl, updated_at=datetime(2026, 1, 5, tzinfo=UTC))
    activity = next(a for a in register.activities if a.purpose_id == "invoicing")
    assert activity.retention.startswith("10 ans à compter de la clôture de l'exercice")


def test_the_declared_year_end_is_the_one_used() -> None:
    decl = _invoicing_from_the_close("06-30")
    assert decl.purpose("invoicing").retention.financial_year_end == FinancialYearEnd(6, 30)

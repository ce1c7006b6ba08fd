"""The smallest strategies, shared by the others (private; import them from
:mod:`gdprcrm.testing.strategies`)."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from gdprcrm.model import SubjectId

__all__ = ["FIELD_NAMES", "instants", "purpose_ids", "retention_periods", "subject_ids"]

FIELD_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(
    lambda name: not name.startswith("gdprcrm")  # reserved for gdprcrm's own fields
)
"""Declared field names: a lower-case letter, then letters, digits and underscores."""


def subject_ids() -> st.SearchStrategy[SubjectId]:
    return st.builds(SubjectId, st.uuids(version=4))


def instants(
    min_value: datetime = datetime(2000, 1, 1, tzinfo=UTC),
    max_value: datetime = datetime(2099, 12, 31, tzinfo=UTC),
) -> st.SearchStrategy[datetime]:
    """Aware UTC instants (shrinking toward ``min_value``)."""
    return st.datetimes(
        min_value=min_value.replace(tzinfo=None),
        max_value=max_value.replace(tzinfo=None),
        timezones=st.just(UTC),
    )


def purpose_ids() -> st.SearchStrategy[str]:
    return st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True).filter(
        lambda pid: not pid.startswith("gdprcrm")  # reserved
    )


@st.composite
def retention_periods(draw: st.DrawFn) -> relativedelta:
    """A period of 0-10 years, 0-11 months and 0-30 days, never empty (one year then):
    shrinks toward one year."""
    years = draw(st.integers(0, 10))
    months = draw(st.integers(0, 11))
    days = draw(st.integers(0, 30))
    if not (years or months or days):
        years = 1
    return relativedelta(years=years, months=months, days=days)

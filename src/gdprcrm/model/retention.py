"""Storage limitation, Art. 5(1)(e): how long a purpose keeps data, from which event."""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_utc, aware, check_aware, instance_of, optional_text, slug
from gdprcrm.model.identifiers import SubjectId

__all__ = [
    "MAX_PERIOD_YEARS",
    "AnchorEvent",
    "FinancialYearEnd",
    "RetentionAction",
    "RetentionDue",
    "RetentionRule",
    "check_period",
    "format_period",
    "parse_period",
]

MAX_PERIOD_YEARS = 150
"""The longest retention period accepted (a lifetime and more; beyond it, instants
leave the range of a datetime)."""

_ABSOLUTE = ("year", "month", "day", "weekday", "hour", "minute", "second", "microsecond")
_RELATIVE = ("years", "months", "days", "hours", "minutes", "seconds", "microseconds")


class AnchorEvent(enum.Enum):
    """The event a retention period runs from."""

    COLLECTION = "collection"  # when the data was collected
    LAST_CONTACT_FROM_SUBJECT = "last-contact"  # last contact *coming from* the subject
    END_OF_RELATIONSHIP = "end-of-relationship"  # end of the contract / customer relationship
    CONSENT_WITHDRAWAL = "consent-withdrawal"  # withdrawal of the purpose's consent
    LAST_ACTIVITY = "last-activity"  # last activity on an account


class RetentionAction(enum.Enum):
    """What happens at expiry."""

    ERASE = "erase"  # delete and shred
    ANONYMISE = "anonymise"
    """Not accepted in a rule: gdprcrm cannot yet produce data unlinkable to the person
    by any means reasonably likely to be used (Recital 26), and deleting while calling it
    anonymisation would be a false record. Kept so that old schedules still read."""
    REVIEW = "review"  # flag for a human decision (e.g. one re-contact of a prospect)


def _check_action(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, RetentionAction):
        raise InvalidInput("RetentionRule.action: expected a RetentionAction")
    if value is RetentionAction.ANONYMISE:
        raise InvalidInput(
            "RetentionRule.action: 'anonymise' is not offered (Recital 26: the result must "
            "be unlinkable to the person; gdprcrm cannot guarantee it yet): declare 'erase', "
            "and keep aggregates in your own analytics"
        )


def check_period(value: object, where: str) -> relativedelta:
    """A retention period: a positive relativedelta of whole relative units."""
    if not isinstance(value, relativedelta):
        raise InvalidInput(f"{where}: expected a dateutil relativedelta")
    if any(getattr(value, name) is not None for name in _ABSOLUTE):
        raise InvalidInput(f"{where}: absolute fields (year=, day=, ...) not allowed")
    if value.microseconds or value.leapdays:
        raise InvalidInput(f"{where}: use whole seconds and no leap-day adjustment")
    parts = [getattr(value, name) for name in _RELATIVE]
    if any(p < 0 for p in parts):
        raise InvalidInput(f"{where}: a retention period cannot be negative")
    if not any(parts):
        # Art. 25(2): data kept by default only as long as needed; a zero period is a bug.
        raise InvalidInput(f"{where}: must be longer than zero")
    span = (
        value.years
        + value.months / 12
        + value.days / 365
        + (value.hours * 3600 + value.minutes * 60 + value.seconds) / 31_536_000
    )
    if span > MAX_PERIOD_YEARS:  # beyond any retention, and past datetime's range
        raise InvalidInput(f"{where}: longer than {MAX_PERIOD_YEARS} years")
    return value


def _check_period(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_period(value, "RetentionRule.period")


def _month_day(instance: FinancialYearEnd, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"FinancialYearEnd.{attribute.name}: expected a whole number")


@attrs.frozen
class FinancialYearEnd:
    """The last day of the controller's financial year (31 December by default).

    A day that does not exist every year (29 February) is refused: the close must be
    the same day each year.
    """

    month: int = attrs.field(default=12, validator=_month_day)
    day: int = attrs.field(default=31, validator=_month_day)

    def __attrs_post_init__(self) -> None:
        try:
            date(2023, self.month, self.day)  # a year without 29 February
        except ValueError:
            raise InvalidInput(
                f"FinancialYearEnd: {self.month:02d}-{self.day:02d} is not a day of every year"
            ) from None

    def close_after(self, at: datetime) -> datetime:
        """The close of the financial year that contains ``at``: the end (midnight UTC
        after) of the first year-end day on or after ``at``'s date."""
        day = check_aware(at, "FinancialYearEnd.close_after(at)").date()
        end = date(day.year, self.month, self.day)
        if end < day:
            end = date(day.year + 1, self.month, self.day)
        return datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@attrs.frozen
class RetentionRule:
    """Keep data for ``period`` from ``anchor``, then apply ``action``.

    ``legal_reference`` names the law that imposes the period (e.g. "Code de commerce,
    art. L123-22" for 10 years of invoices). Such a rule is also an Art. 17(3)(b) hold:
    an erasure request cannot remove the data before it expires.
    """

    period: relativedelta = attrs.field(validator=_check_period)
    anchor: AnchorEvent = attrs.field(
        default=AnchorEvent.COLLECTION, validator=instance_of(AnchorEvent)
    )
    action: RetentionAction = attrs.field(default=RetentionAction.ERASE, validator=_check_action)
    legal_reference: str | None = attrs.field(default=None, validator=optional_text)
    financial_year_end: FinancialYearEnd | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(instance_of(FinancialYearEnd)),
        kw_only=True,
    )
    """When set, the period runs from the close of the financial year in which the anchor
    event falls (accounting documents: Code de commerce art. L123-22), not from the
    event itself."""

    @property
    def is_legal_hold(self) -> bool:
        """Art. 17(3)(b): a period imposed by law holds the data against erasure."""
        return self.legal_reference is not None

    def expires_at(self, anchor_at: datetime) -> datetime:
        """The instant the period ends, counted from the anchor instant (in UTC), or from
        the close of its financial year when the rule says so."""
        start = check_aware(anchor_at, "RetentionRule.expires_at(anchor_at)")
        if self.financial_year_end is not None:
            start = self.financial_year_end.close_after(start)
        return start + self.period

    def __repr__(self) -> str:
        return (
            f"RetentionRule({format_period(self.period)}, {self.anchor.value}, "
            f"{self.action.value}, legal_reference={self.legal_reference!r})"
        )


_ISO = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_period(text: str) -> relativedelta:
    """Read an ISO 8601 duration such as ``P3Y``, ``P13M`` or ``P2Y6M`` into a period."""
    match = _ISO.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if match is None or not any(match.groupdict().values()) or text.strip().endswith("T"):
        raise InvalidInput(f"not an ISO 8601 duration such as 'P3Y' or 'P13M': {text!r}")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return relativedelta(**parts)  # type: ignore[arg-type]


def format_period(period: relativedelta) -> str:
    """Write a period as an ISO 8601 duration (the inverse of :func:`parse_period`)."""
    date = "".join(
        f"{v}{u}" for v, u in ((period.years, "Y"), (period.months, "M"), (period.days, "D")) if v
    )
    time = "".join(
        f"{v}{u}"
        for v, u in ((period.hours, "H"), (period.minutes, "M"), (period.seconds, "S"))
        if v
    )
    out = "P" + date + ("T" + time if time else "")
    return out if out != "P" else "PT0S"


@attrs.frozen
class RetentionDue:
    """When a subject's data for a purpose falls due, and what to do then (Art. 5(1)(e)).

    Computed by the policy and stored in an indexed schedule, so that a sweep reads only
    the subjects due, never the whole base.
    """

    subject_id: SubjectId = attrs.field(validator=instance_of(SubjectId))
    purpose_id: str = attrs.field(validator=slug)
    due_at: datetime = attrs.field(converter=as_utc, validator=aware)
    action: RetentionAction = attrs.field(validator=instance_of(RetentionAction))

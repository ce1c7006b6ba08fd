"""Record rules: what a record may hold, for whom, until when, and what holds it.

Pure, like every policy module:

* Art. 5(1)(b) - a record is kept for the purposes its kind declares: only for a
  subject collected for one of them;
* Art. 5(1)(c) - a record holds only the fields its kind declares;
* Art. 5(1)(e) - each record is kept for its kind's period, counted from its own date
  or from the close of the financial year it falls in; one already past it is refused;
* Art. 17(3)(b) - a record kept under a legal obligation (its kind's retention names
  the law) is held against erasure until its own period ends; an Art. 18(1)(c)
  restriction for legal claims holds every record (17(3)(e)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from gdprcrm.errors import InvalidInput, MinimisationError
from gdprcrm.model import Declarations, Record, RecordId, RecordKind
from gdprcrm.model._checks import shown

__all__ = [
    "MAX_RECORD_VALUE",
    "RecordPlan",
    "check_record_values",
    "plan_records",
    "record_due",
    "serving_purposes",
]

MAX_RECORD_VALUE = 64 * 1024
"""The longest value of one record field, in characters (documents belong in a file
store, encrypted with the same vault)."""


def check_record_values(kind: RecordKind, values: Mapping[str, str], *, partial: bool) -> None:
    """Art. 5(1)(c): text values of the kind's declared fields only, at least one."""
    if not isinstance(values, Mapping):
        raise InvalidInput("values: expected a mapping of field names to text")
    if not values and not partial:
        raise InvalidInput(f"record kind {kind.id!r}: give at least one value")
    for name, value in values.items():
        if name not in kind.field_names:
            raise MinimisationError(
                f"record kind {kind.id!r} declares no field {shown(name)} (Art. 5(1)(c)); "
                f"its fields are {sorted(kind.field_names)}"
            )
        if not isinstance(value, str):
            raise InvalidInput(f"record field {name!r}: values are text")
        if len(value) > MAX_RECORD_VALUE:
            raise InvalidInput(f"record field {name!r}: longer than {MAX_RECORD_VALUE} characters")


def serving_purposes(kind: RecordKind, subject_purposes: Iterable[str]) -> frozenset[str]:
    """Art. 5(1)(b): the kind's purposes the subject was collected for."""
    return kind.purposes & frozenset(subject_purposes)


def record_due(declarations: Declarations, kind: RecordKind, dated: datetime) -> datetime:
    """Art. 5(1)(e): when a record of ``kind`` dated ``dated`` falls due."""
    return kind.retention.expires_at(dated, declarations.financial_year_end)


@attrs.frozen
class RecordPlan:
    """What an erasure does to one record: erased now, or held (why, until when)."""

    record_id: RecordId
    kind: str
    hold: str | None = None
    """The Art. 17(3) point that holds it ("17(3)(b)", "17(3)(e)"), or None: erased."""
    until: datetime | None = None
    """When the hold ends (None: until a restriction is lifted)."""
    legal_reference: str | None = None

    @property
    def erased(self) -> bool:
        return self.hold is None


def plan_records(
    declarations: Declarations, records: Iterable[Record], at: datetime, *, claims: bool
) -> tuple[RecordPlan, ...]:
    """Art. 17(3): for each record, erased now or held (a legal period still running,
    or a restriction for legal claims in force)."""
    plans = []
    for record in sorted(records, key=lambda r: (r.dated, str(r.id))):
        kind = declarations.find_record_kind(record.kind)
        if claims:
            plans.append(RecordPlan(record.id, record.kind, "17(3)(e)"))
        elif kind is not None and kind.retention.is_legal_hold and record.due_at > at:
            plans.append(
                RecordPlan(
                    record.id,
                    record.kind,
                    "17(3)(b)",
                    record.due_at,
                    kind.retention.legal_reference,
                )
            )
        else:
            plans.append(RecordPlan(record.id, record.kind))
    return tuple(plans)

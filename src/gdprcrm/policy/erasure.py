"""The erasure plan (Art. 17): what goes now, what is held, why, and until when.

Pure: from a subject's loaded state, the declarations and an instant, decide for each
stored field whether it is erased now or held under an Art. 17(3) exception:

* 17(3)(b) - a purpose of the subject keeps the field under a legal obligation
  (a retention rule with a legal reference, e.g. invoices for 10 years under the Code
  de commerce) and its period has not run out: held until it does;
* 17(3)(e) - a restriction for the establishment, exercise or defence of legal claims
  (Art. 18(1)(c)) is in force: every field is held until it is lifted.

Records (orders, invoices, ...) are planned one by one the same way
(:func:`gdprcrm.policy.records.plan_records`): each is held by its own legal period.
Everything else is erased at once. When nothing is held, the subject's key is shredded.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from gdprcrm.model import Declarations, Record, RestrictionGround
from gdprcrm.policy.records import RecordPlan, plan_records
from gdprcrm.policy.retention import retention_due
from gdprcrm.policy.state import SubjectState

__all__ = ["ErasurePlan", "FieldPlan", "HoldReason", "claims_in_force", "erasure_plan"]


class HoldReason(enum.Enum):
    LEGAL_OBLIGATION = "17(3)(b)"
    LEGAL_CLAIMS = "17(3)(e)"


@attrs.frozen
class FieldPlan:
    """What happens to one field: erased now, or held (why, for which purpose, until)."""

    field: str
    hold: HoldReason | None = None
    purpose_id: str | None = None
    until: datetime | None = None
    """When the hold ends (None: until a restriction is lifted)."""
    legal_reference: str | None = None

    @property
    def erased(self) -> bool:
        return self.hold is None


@attrs.frozen
class ErasurePlan:
    fields: tuple[FieldPlan, ...]
    records: tuple[RecordPlan, ...] = ()

    @property
    def held(self) -> tuple[FieldPlan, ...]:
        return tuple(f for f in self.fields if not f.erased)

    @property
    def erased(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.fields if f.erased)

    @property
    def held_records(self) -> tuple[RecordPlan, ...]:
        return tuple(r for r in self.records if not r.erased)

    @property
    def erased_records(self) -> tuple[RecordPlan, ...]:
        return tuple(r for r in self.records if r.erased)

    @property
    def complete(self) -> bool:
        """Nothing is held: the key can be shredded now."""
        return not self.held and not self.held_records

    @property
    def next_release(self) -> datetime | None:
        """When the first dated hold ends: the erasure resumes then, to erase what that
        hold kept (each value and record goes when its own hold ends); None if no hold
        is dated (a restriction for legal claims: resumed when it is lifted)."""
        dates = [f.until for f in self.held if f.until is not None]
        dates += [r.until for r in self.held_records if r.until is not None]
        return min(dates) if dates else None

    @property
    def hold_until(self) -> datetime | None:
        """When the last dated hold ends (None if none is dated)."""
        dates = [f.until for f in self.held if f.until is not None]
        dates += [r.until for r in self.held_records if r.until is not None]
        return max(dates) if dates else None


def claims_in_force(state: SubjectState, at: datetime) -> bool:
    """Art. 17(3)(e): a restriction for legal claims (Art. 18(1)(c)) is in force."""
    return any(
        r.ground is RestrictionGround.NEEDED_FOR_LEGAL_CLAIMS and r.in_force(at)
        for r in state.restrictions
    )


def erasure_plan(
    state: SubjectState,
    declarations: Declarations,
    stored: Iterable[str],
    at: datetime,
    records: Iterable[Record] = (),
) -> ErasurePlan:
    """Plan the erasure of the fields named in ``stored``, and of ``records``, at
    instant ``at``."""
    claims = claims_in_force(state, at)
    holds: dict[str, FieldPlan] = {}
    for purpose_id in sorted(state.subject.purposes):
        purpose = declarations.find_purpose(purpose_id)
        if purpose is None or not purpose.retention.is_legal_hold:
            continue
        until = retention_due(state, purpose, at)  # None: the period has not started yet
        if until is not None and until <= at:
            continue  # the legal period is over: nothing to hold
        for f in purpose.fields:
            current = holds.get(f.name)
            if current is None or (
                until is not None and current.until is not None and until > current.until
            ):
                holds[f.name] = FieldPlan(
                    f.name,
                    HoldReason.LEGAL_OBLIGATION,
                    purpose.id,
                    until,
                    purpose.retention.legal_reference,
                )
    plans = []
    for name in sorted(set(stored)):
        if claims:
            plans.append(FieldPlan(name, HoldReason.LEGAL_CLAIMS))
        elif name in holds:
            plans.append(holds[name])
        else:
            plans.append(FieldPlan(name))
    return ErasurePlan(tuple(plans), plan_records(declarations, records, at, claims=claims))

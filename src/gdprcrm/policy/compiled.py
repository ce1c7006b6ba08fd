"""decide() compiled: the same answers, in a dictionary lookup and a binary search.

For one loaded subject, a decision can only change at the instants its records name:
consents given and withdrawn, objections, restrictions placed and lifted, the ends of
retention periods, the birthdays that cross an age of consent, the instants a transfer
gains or loses its ground. Between two such
instants the answer is constant. :class:`CompiledState` evaluates :func:`decide` once
per interval, the first time a purpose is asked about, and then answers every later
question with a binary search over those instants, returning the interned Decision.
This is the check host code can run before every use of data (PERFORMANCE.md P9).

The breakpoints are a superset of the real ones (an extra breakpoint costs nothing but
a slot); ``tests/policy/test_compiled.py`` checks the answers equal decide()'s at
random instants.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from gdprcrm.model import (
    ADEQUACY_DECISIONS,
    DEFAULT_CONSENT_AGES,
    ConsentAges,
    Declarations,
    TransferMechanism,
)
from gdprcrm.policy.decide import decide
from gdprcrm.policy.decision import Decision, Operation
from gdprcrm.policy.state import SubjectState

__all__ = ["CompiledState"]

_ONE = timedelta(microseconds=1)
_MIN = datetime(1, 1, 2, tzinfo=UTC)


class CompiledState:
    """Answers decide(state, purpose, at, declarations) by lookup after the first call."""

    __slots__ = ("_ages", "_breakpoints", "_declarations", "_state", "_tables")

    def __init__(
        self,
        state: SubjectState,
        declarations: Declarations,
        *,
        ages: ConsentAges = DEFAULT_CONSENT_AGES,
    ) -> None:
        self._state = state
        self._declarations = declarations
        self._ages = ages
        self._breakpoints: list[datetime] | None = None
        self._tables: dict[tuple[str, Operation], tuple[list[datetime], list[Decision]]] = {}

    def decide(
        self, purpose_id: str, at: datetime, operation: Operation = Operation.USE
    ) -> Decision:
        table = self._tables.get((purpose_id, operation))
        if table is None:
            table = self._compile(purpose_id, operation)
        instants, decisions = table
        return decisions[bisect_right(instants, at)]

    def _compile(
        self, purpose_id: str, operation: Operation
    ) -> tuple[list[datetime], list[Decision]]:
        instants = self._instants()
        state, decl, ages = self._state, self._declarations, self._ages
        first = instants[0] - _ONE if instants else _MIN
        decisions = [decide(state, purpose_id, first, decl, operation=operation, ages=ages)]
        decisions += [
            decide(state, purpose_id, at, decl, operation=operation, ages=ages) for at in instants
        ]
        table = (instants, decisions)
        self._tables[(purpose_id, operation)] = table
        return table

    def _instants(self) -> list[datetime]:
        if self._breakpoints is not None:
            return self._breakpoints
        state = self._state
        subject = state.subject
        points: set[datetime] = {subject.collected_at}
        points |= set(state.anchors.values())
        for intervals in state.intervals.values():
            for interval in intervals:
                points.add(interval.consent.at)
                if interval.withdrawn_at is not None:
                    points.add(interval.withdrawn_at)
        points |= {o.at for o in state.objections}
        for r in state.restrictions:
            points.add(r.at)
            if r.lifted_at is not None:
                points.add(r.lifted_at)
        # Ends of retention periods, from every instant a period can run from.
        starts = set(points)
        for purpose in self._declarations.purposes:
            rule = purpose.retention
            points |= {rule.expires_at(start) for start in starts}
        # Birthdays that can cross an age of consent (Art. 8), a day either side.
        points |= self._birthdays()
        # Transfers gain or lose their ground (Art. 44-49): windows, adequacy decisions.
        points |= self._transfer_instants()
        self._breakpoints = sorted(points)
        return self._breakpoints

    def _transfer_instants(self) -> set[datetime]:
        out: set[datetime] = set()
        for purpose in self._declarations.purposes:
            for transfer in purpose.transfers:
                out |= {t for t in (transfer.valid_from, transfer.valid_until) if t is not None}
                decision = ADEQUACY_DECISIONS.get(transfer.country)
                if transfer.mechanism is TransferMechanism.ADEQUACY and decision is not None:
                    out.add(decision.valid_from)
                    if decision.valid_until is not None:
                        out.add(decision.valid_until)
        return out

    def _birthdays(self) -> set[datetime]:
        subject = self._state.subject
        out: set[datetime] = set()
        ages = sorted({self._ages.age_for(subject.jurisdiction), self._ages.default})
        days: list[date] = []
        if subject.birth_date is not None:
            days = [subject.birth_date + relativedelta(years=a) for a in ages]
        elif subject.attested_age is not None:
            base = subject.attested_age
            days = [
                (base.attested_at + relativedelta(years=a - base.age)).date()
                for a in ages
                if a > base.age
            ]
        for day in days:
            for shift in (-1, 0, 1):
                out.add(datetime.combine(day + timedelta(days=shift), time(), tzinfo=UTC))
        return out

"""The answer to "may this purpose process this subject at this instant?"."""

from __future__ import annotations

import enum

import attrs

from gdprcrm.model import LegalBasis
from gdprcrm.policy.reasons import Reason, ReasonKind

__all__ = ["Decision", "Operation", "Outcome"]


class Operation(enum.Enum):
    """What the host is about to do with the data."""

    USE = "use"  # any processing (reading, sending, profiling, ...)
    STORE = "store"  # only keeping it: the one thing a restriction still allows (18(2))


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    GAP = "gap"  # the declarations are incomplete: fix them, do not process


@attrs.frozen
class Decision:
    """``allowed`` and why, with the basis of the purpose (None if it is undeclared).

    Decisions are interned: equal decisions are usually the same object.
    """

    allowed: bool
    reasons: tuple[Reason, ...]
    basis: LegalBasis | None
    sources: tuple[str, ...] = ()
    """The national provisions applied, beside the reasons' own (``"CPCE L34-5"``):
    set when the decision was about a channel (:class:`Outreach`)."""

    @property
    def outcome(self) -> Outcome:
        if self.allowed:
            return Outcome.ALLOWED
        if any(r.kind is ReasonKind.GAP for r in self.reasons):
            return Outcome.GAP
        return Outcome.REFUSED

    @property
    def is_gap(self) -> bool:
        return self.outcome is Outcome.GAP

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def __bool__(self) -> bool:
        return self.allowed

    def __str__(self) -> str:
        """What the CLI prints: ``ALLOWED: basis-consent (Art. 6(1)(a))``."""
        why = ", ".join(str(r) for r in self.reasons)
        under = f" [{'; '.join(self.sources)}]" if self.sources else ""
        return f"{self.outcome.value.upper()}: {why}{under}"

"""Which right applies to which purpose: every question answered from RIGHTS_MATRIX.

The matrix (:data:`gdprcrm.model.RIGHTS_MATRIX`) is the one source of the facts "which
rights does a basis give". Everything that asks (decide, the objection workflow, the
portability export, the access report, the privacy notice) asks here, so the fact is
written once and read everywhere.

* Art. 21(1): an objection stops processing on 6(1)(e) or (f) (the matrix says YES).
* Art. 21(2)-(3): an objection to direct marketing is always possible and absolute,
  whatever the basis the marketing rests on.
* Art. 20(1)(a): portability applies to processing on consent or contract (the matrix
  says it applies, when automated).
"""

from __future__ import annotations

from collections.abc import Iterable

from gdprcrm.errors import InvalidInput
from gdprcrm.model import RIGHTS_MATRIX, Applicability, LegalBasis, Purpose, Right, RightRule

__all__ = [
    "OBJECTABLE_BASES",
    "PORTABLE_BASES",
    "check_consent",
    "check_objection",
    "is_portable",
    "may_object",
    "objection_stops",
    "right_applies",
    "rights_of",
    "rule",
]


def rule(basis: LegalBasis, right: Right) -> RightRule:
    """The matrix cell: does ``right`` apply under ``basis``, by which article."""
    return RIGHTS_MATRIX[basis][right]


OBJECTABLE_BASES = frozenset(
    b for b in LegalBasis if rule(b, Right.OBJECTION).applies is Applicability.YES
)
"""Art. 21(1): the bases against which an objection stops processing, (e) and (f)."""

PORTABLE_BASES = frozenset(
    b for b in LegalBasis if rule(b, Right.PORTABILITY).applies is not Applicability.NO
)
"""Art. 20(1)(a): the bases that give portability, consent and contract."""


def objection_stops(purpose: Purpose) -> bool:
    """Art. 21(1): an objection to this purpose stops it (unless overridden)."""
    return purpose.basis in OBJECTABLE_BASES


def may_object(purpose: Purpose) -> bool:
    """Art. 21: the person may object to this purpose (21(1), or 21(2) for marketing)."""
    return purpose.direct_marketing or objection_stops(purpose)


def is_portable(purpose: Purpose) -> bool:
    """Art. 20(1)(a): data processed for this purpose falls under portability."""
    return purpose.basis in PORTABLE_BASES


def right_applies(purpose: Purpose, right: Right) -> bool:
    """Whether ``right`` can apply to ``purpose`` at all (conditional rights count)."""
    if right is Right.OBJECTION:
        return may_object(purpose)
    if right is Right.HUMAN_REVIEW:  # Art. 22(3): only where such a decision is made
        decision = purpose.automated_decision
        return decision is not None and decision.under_article_22
    return rule(purpose.basis, right).applies is not Applicability.NO


def check_objection(purpose: Purpose) -> None:
    """Refuse an objection that Art. 21 does not give, saying what the person can do."""
    if may_object(purpose):
        return
    if rule(purpose.basis, Right.WITHDRAWAL).applies is Applicability.YES:
        remedy = "withdraw the consent instead (Art. 7(3))"
    else:
        remedy = "ask for erasure (Art. 17) or restriction (Art. 18) instead"
    raise InvalidInput(
        f"purpose {purpose.id!r} rests on Art. {purpose.basis.article}: Art. 21 gives no "
        f"right to object to it; {remedy}"
    )


def check_consent(purpose: Purpose) -> None:
    """Art. 6(1)(a), 7: a consent is recorded only for a purpose that rests on consent.

    Asking for a consent where another basis applies misleads the person (EDPB
    Guidelines 05/2020): they could not withdraw it with any effect (the matrix gives
    withdrawal under consent only).
    """
    if rule(purpose.basis, Right.WITHDRAWAL).applies is Applicability.YES:
        return
    raise InvalidInput(
        f"purpose {purpose.id!r} rests on Art. {purpose.basis.article}, not on consent: "
        "a consent would not be its basis and its withdrawal would change nothing "
        "(record the contract, obligation or interest instead)"
    )


def rights_of(purposes: Iterable[Purpose], right: Right) -> tuple[str, ...]:
    """The ids of ``purposes`` to which ``right`` can apply, sorted."""
    return tuple(sorted(p.id for p in purposes if right_applies(p, right)))

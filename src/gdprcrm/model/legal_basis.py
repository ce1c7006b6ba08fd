"""The six lawful bases of Art. 6(1) and which rights each one gives, as data."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["RIGHTS_MATRIX", "Applicability", "LegalBasis", "Right", "RightRule", "rights_for"]


class LegalBasis(enum.Enum):
    """Art. 6(1)(a)-(f)."""

    CONSENT = "consent"  # 6(1)(a)
    CONTRACT = "contract"  # 6(1)(b)
    LEGAL_OBLIGATION = "legal-obligation"  # 6(1)(c)
    VITAL_INTERESTS = "vital-interests"  # 6(1)(d)
    PUBLIC_TASK = "public-task"  # 6(1)(e)
    LEGITIMATE_INTERESTS = "legitimate-interests"  # 6(1)(f)

    @property
    def article(self) -> str:
        return _ARTICLES[self]


_ARTICLES = {
    LegalBasis.CONSENT: "6(1)(a)",
    LegalBasis.CONTRACT: "6(1)(b)",
    LegalBasis.LEGAL_OBLIGATION: "6(1)(c)",
    LegalBasis.VITAL_INTERESTS: "6(1)(d)",
    LegalBasis.PUBLIC_TASK: "6(1)(e)",
    LegalBasis.LEGITIMATE_INTERESTS: "6(1)(f)",
}


class Right(enum.Enum):
    """The data-subject rights of Chapter III."""

    ACCESS = "access"  # Art. 15
    RECTIFICATION = "rectification"  # Art. 16
    ERASURE = "erasure"  # Art. 17
    RESTRICTION = "restriction"  # Art. 18
    PORTABILITY = "portability"  # Art. 20
    OBJECTION = "objection"  # Art. 21
    WITHDRAWAL = "withdrawal"  # Art. 7(3)
    HUMAN_REVIEW = "human-review"  # Art. 22(3)


class Applicability(enum.Enum):
    YES = "yes"
    CONDITIONAL = "conditional"  # applies only in the cases the note names
    NO = "no"


@attrs.frozen
class RightRule:
    """Whether a right applies under a basis, and the article that says so."""

    applies: Applicability
    article: str
    note: str = ""


_Y, _C, _N = Applicability.YES, Applicability.CONDITIONAL, Applicability.NO


def _common() -> dict[Right, RightRule]:
    # Access, rectification, restriction and Art. 22 review apply under every basis.
    return {
        Right.ACCESS: RightRule(_Y, "15"),
        Right.RECTIFICATION: RightRule(_Y, "16"),
        Right.RESTRICTION: RightRule(_Y, "18"),
        Right.HUMAN_REVIEW: RightRule(_C, "22(3)", "when a solely automated decision is made"),
    }


def _row(**rules: RightRule) -> Mapping[Right, RightRule]:
    row = _common()
    row.update({Right[name.upper()]: rule for name, rule in rules.items()})
    return MappingProxyType(row)


RIGHTS_MATRIX: Mapping[LegalBasis, Mapping[Right, RightRule]] = MappingProxyType(
    {
        LegalBasis.CONSENT: _row(
            erasure=RightRule(_Y, "17(1)(b)", "on withdrawal, when no other basis remains"),
            portability=RightRule(_C, "20(1)(a)", "when the processing is automated"),
            objection=RightRule(_N, "21", "withdrawal (7(3)) takes its place"),
            withdrawal=RightRule(_Y, "7(3)"),
        ),
        LegalBasis.CONTRACT: _row(
            erasure=RightRule(
                _C,
                "17(1)(a),(d),(e)",
                "no longer necessary, unlawful, or a legal obligation to erase",
            ),
            portability=RightRule(_C, "20(1)(a)", "when the processing is automated"),
            objection=RightRule(_C, "21(2)", "only against direct marketing"),
            withdrawal=RightRule(_N, "7(3)", "not a consent"),
        ),
        LegalBasis.LEGAL_OBLIGATION: _row(
            erasure=RightRule(_N, "17(3)(b)"),
            portability=RightRule(_N, "20(1)(a)"),
            objection=RightRule(_N, "21(1)"),
            withdrawal=RightRule(_N, "7(3)", "not a consent"),
        ),
        LegalBasis.VITAL_INTERESTS: _row(
            erasure=RightRule(_C, "17(1)(a),(d)", "no longer necessary, or unlawful"),
            portability=RightRule(_N, "20(1)(a)"),
            objection=RightRule(_N, "21(1)"),
            withdrawal=RightRule(_N, "7(3)", "not a consent"),
        ),
        LegalBasis.PUBLIC_TASK: _row(
            erasure=RightRule(_N, "17(3)(b)"),
            portability=RightRule(_N, "20(3)"),
            objection=RightRule(_Y, "21(1)", "unless compelling legitimate grounds are shown"),
            withdrawal=RightRule(_N, "7(3)", "not a consent"),
        ),
        LegalBasis.LEGITIMATE_INTERESTS: _row(
            erasure=RightRule(_Y, "17(1)(c)", "including after an objection"),
            portability=RightRule(_N, "20(1)(a)"),
            objection=RightRule(_Y, "21(1)-(3)", "absolute against direct marketing"),
            withdrawal=RightRule(_N, "7(3)", "not a consent"),
        ),
    }
)
"""Which rights apply under which basis (GDPR.md §1): data, not scattered ifs."""


def rights_for(basis: LegalBasis) -> Mapping[Right, RightRule]:
    """The rights a subject holds against processing on ``basis``."""
    return RIGHTS_MATRIX[basis]

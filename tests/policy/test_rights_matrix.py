"""policy.rights: every right-per-basis answer comes from RIGHTS_MATRIX (one source)."""

from __future__ import annotations

import pytest
from hypothesis import given

from gdprcrm.errors import InvalidInput
from gdprcrm.model import RIGHTS_MATRIX, Applicability, LegalBasis, Purpose, Right
from gdprcrm.policy import rights
from gdprcrm.testing import strategies as gst


def test_objectable_and_portable_bases_are_read_from_the_matrix() -> None:
    # Art. 21(1): public task and legitimate interests; Art. 20(1)(a): consent, contract.
    assert {LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTERESTS} == rights.OBJECTABLE_BASES
    assert {LegalBasis.CONSENT, LegalBasis.CONTRACT} == rights.PORTABLE_BASES


@given(gst.purposes())
def test_may_object_iff_direct_marketing_or_the_matrix_says_yes(purpose: Purpose) -> None:
    matrix_yes = RIGHTS_MATRIX[purpose.basis][Right.OBJECTION].applies is Applicability.YES
    assert rights.may_object(purpose) == (purpose.direct_marketing or matrix_yes)
    if rights.may_object(purpose):
        rights.check_objection(purpose)
    else:
        with pytest.raises(InvalidInput, match=r"Art\. 21"):
            rights.check_objection(purpose)


@given(gst.purposes())
def test_portability_follows_the_matrix(purpose: Purpose) -> None:
    cell = RIGHTS_MATRIX[purpose.basis][Right.PORTABILITY].applies
    assert rights.is_portable(purpose) == (cell is not Applicability.NO)


@given(gst.purposes(basis=LegalBasis.CONTRACT, direct_marketing=False))
def test_refusing_an_objection_to_a_contract_suggests_erasure_not_withdrawal(
    purpose: Purpose,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        rights.check_objection(purpose)
    assert "withdraw" not in str(caught.value)
    assert "Art. 17" in str(caught.value)


@given(gst.purposes(basis=LegalBasis.CONSENT, direct_marketing=False))
def test_refusing_an_objection_to_a_consent_purpose_points_to_withdrawal(
    purpose: Purpose,
) -> None:
    with pytest.raises(InvalidInput, match=r"7\(3\)"):
        rights.check_objection(purpose)


@given(gst.declarations())
def test_rights_of_lists_exactly_the_purposes_a_right_applies_to(decl: object) -> None:
    from gdprcrm.model import Declarations

    assert isinstance(decl, Declarations)
    for right in Right:
        listed = set(rights.rights_of(decl.purposes, right))
        assert listed == {p.id for p in decl.purposes if rights.right_applies(p, right)}
    # Access applies under every basis (Art. 15).
    assert set(rights.rights_of(decl.purposes, Right.ACCESS)) == {p.id for p in decl.purposes}


@given(gst.purposes())
def test_human_review_is_a_right_only_where_a_solely_automated_decision_is_made(
    purpose: Purpose,
) -> None:
    # Art. 22(3): the access report must not promise human intervention for a
    # newsletter; it lists the right exactly for purposes making an Art. 22 decision.
    decision = purpose.automated_decision
    expected = decision is not None and decision.under_article_22
    assert rights.right_applies(purpose, Right.HUMAN_REVIEW) is expected

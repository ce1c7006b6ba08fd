"""Invalid model objects are refused at construction, with a precise, typed error."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm import errors
from gdprcrm.model import (
    DEFAULT_TAXONOMY,
    AutomatedDecision,
    CnilGroup,
    ConsentGiven,
    ConsentWithdrawn,
    DataCategory,
    Declarations,
    FieldSpec,
    LegalBasis,
    Objection,
    Purpose,
    Recipient,
    RecipientKind,
    Restriction,
    RestrictionGround,
    RetentionRule,
    SpecialCategoryCondition,
    Subject,
    SubjectId,
    Transfer,
    TransferMechanism,
)
from gdprcrm.testing import strategies as gst
from gdprcrm.testing.builders import (
    EMAIL,
    NAME,
    build_consent,
    build_controller,
    build_declarations,
    build_purpose,
    build_subject,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HEALTH = FieldSpec("allergies", DEFAULT_TAXONOMY["special.health"])
CONVICTIONS = FieldSpec("record", DEFAULT_TAXONOMY["criminal.convictions"])
SIGNIFICANT = AutomatedDecision("credit score", "refusal of credit", True, True, "call us")


def test_every_error_derives_from_the_root_and_bad_input_is_a_value_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.GdprCrmError)
    assert issubclass(errors.InvalidInput, ValueError)
    assert issubclass(errors.NotFound, LookupError)
    assert issubclass(errors.MissingLegitimateInterestAssessment, errors.InvalidPurpose)


def test_legitimate_interests_without_lia_is_refused() -> None:
    # Art. 6(1)(f)
    with pytest.raises(errors.MissingLegitimateInterestAssessment, match=r"6\(1\)\(f\)"):
        Purpose(
            "crm",
            "CRM",
            LegalBasis.LEGITIMATE_INTERESTS,
            (EMAIL,),
            RetentionRule(relativedelta(years=3)),
            legitimate_interests="prospection",
        )
    with pytest.raises(errors.MissingLegitimateInterestAssessment):
        Purpose(
            "crm",
            "CRM",
            LegalBasis.LEGITIMATE_INTERESTS,
            (EMAIL,),
            RetentionRule(relativedelta(years=3)),
            lia_reference="LIA-1",
        )
    ok = build_purpose("crm", LegalBasis.LEGITIMATE_INTERESTS)
    assert ok.lia_reference == "LIA-1"


def test_special_category_without_article_9_2_condition_is_refused() -> None:
    with pytest.raises(errors.MissingSpecialCategoryCondition, match=r"9\(2\)"):
        build_purpose("care", LegalBasis.CONSENT, fields=(EMAIL, HEALTH))
    with pytest.raises(errors.InvalidPurpose, match=r"9\(2\)\(a\)"):
        build_purpose(
            "care",
            LegalBasis.CONTRACT,
            fields=(HEALTH,),
            special_condition=SpecialCategoryCondition.EXPLICIT_CONSENT,
        )
    ok = build_purpose(
        "care",
        LegalBasis.CONSENT,
        fields=(HEALTH,),
        special_condition=SpecialCategoryCondition.EXPLICIT_CONSENT,
    )
    assert ok.requires_explicit_consent


def test_criminal_data_need_an_article_10_authority() -> None:
    with pytest.raises(errors.MissingCriminalDataAuthority, match=r"Art\. 10"):
        build_purpose("screening", LegalBasis.LEGAL_OBLIGATION, fields=(CONVICTIONS,))
    build_purpose(
        "screening",
        LegalBasis.LEGAL_OBLIGATION,
        fields=(CONVICTIONS,),
        criminal_data_authority="Code monétaire et financier L561-1",
    )


@pytest.mark.parametrize("basis", [LegalBasis.LEGITIMATE_INTERESTS, LegalBasis.VITAL_INTERESTS])
def test_solely_automated_significant_decision_needs_contract_law_or_explicit_consent(
    basis: LegalBasis,
) -> None:
    # Art. 22(2)
    with pytest.raises(errors.UnlawfulAutomatedDecision, match=r"Art\. 22"):
        build_purpose("scoring", basis, automated_decision=SIGNIFICANT)


def test_automated_decision_under_consent_needs_explicit_consent_and_review() -> None:
    with pytest.raises(errors.UnlawfulAutomatedDecision, match="explicit"):
        build_purpose("scoring", LegalBasis.CONSENT, automated_decision=SIGNIFICANT)
    no_review = AutomatedDecision("score", "refusal", True, True, None)
    with pytest.raises(errors.UnlawfulAutomatedDecision, match=r"22\(3\)"):
        build_purpose("scoring", LegalBasis.CONTRACT, automated_decision=no_review)
    build_purpose("scoring", LegalBasis.CONTRACT, automated_decision=SIGNIFICANT)
    build_purpose(
        "scoring", LegalBasis.CONSENT, automated_decision=SIGNIFICANT, explicit_consent=True
    )
    # Not significant, or not solely automated: Art. 22 does not apply.
    build_purpose(
        "segments",
        LegalBasis.LEGITIMATE_INTERESTS,
        automated_decision=AutomatedDecision("segment", "which offer", True, False),
    )


def test_automated_decision_on_special_categories_only_under_9_2_a_or_g() -> None:
    with pytest.raises(errors.UnlawfulAutomatedDecision, match=r"22\(4\)"):
        build_purpose(
            "triage",
            LegalBasis.CONTRACT,
            fields=(HEALTH,),
            special_condition=SpecialCategoryCondition.HEALTH_OR_SOCIAL_CARE,
            automated_decision=SIGNIFICANT,
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda: build_consent(SubjectId.new(), "newsletter", datetime(2026, 1, 1)),
        lambda: build_subject(collected_at=datetime(2026, 1, 1)),
        lambda: Restriction(
            SubjectId.new(), RestrictionGround.ACCURACY_CONTESTED, datetime(2026, 1, 1)
        ),
        lambda: Objection(SubjectId.new(), datetime(2026, 1, 1), direct_marketing=True),
    ],
)
def test_naive_datetimes_are_refused(make: object) -> None:
    assert callable(make)
    with pytest.raises(errors.NaiveDatetime, match="naive"):
        make()


def test_aware_non_utc_instants_are_stored_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    consent = build_consent(SubjectId.new(), "newsletter", datetime(2026, 1, 1, 10, tzinfo=paris))
    assert consent.at == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert consent.at.tzinfo is UTC


@given(gst.instants(), st.integers(1, 10**9))
def test_withdrawal_before_the_consent_it_withdraws_is_refused(at: datetime, back: int) -> None:
    # Art. 7(3)
    consent = build_consent(SubjectId.new(), "newsletter", at)
    with pytest.raises(errors.WithdrawalBeforeConsent):
        consent.withdraw(at - timedelta(microseconds=back), "web-form")
    assert consent.withdraw(at, "web-form").at == at


def test_withdrawal_built_by_hand_is_checked_too() -> None:
    with pytest.raises(errors.WithdrawalBeforeConsent):
        ConsentWithdrawn(
            SubjectId.new(),
            "newsletter",
            T0,
            "email",
            uuid.uuid4(),
            given_at=T0 + timedelta(seconds=1),
        )


@pytest.mark.parametrize(
    "purposes",
    [["newsletter", "profiling"], "newsletter,profiling", "newsletter+profiling", {"newsletter"}],
)
def test_one_consent_cannot_cover_several_purposes(purposes: object) -> None:
    # Art. 7(2)
    with pytest.raises(errors.BundledConsent, match=r"7\(2\)"):
        ConsentGiven(SubjectId.new(), purposes, T0, "web-form", "v1")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["XX", "UK", "", "fr-FR", 33])
def test_unknown_country_codes_are_refused(code: object) -> None:
    with pytest.raises(errors.UnknownJurisdiction):
        build_subject(jurisdiction=code)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["US", "CH", "UK", "XX"])
def test_a_controller_is_established_in_a_member_state(code: str) -> None:
    # The establishment picks the supervisory authority and the deadlines' calendar.
    from gdprcrm.testing.builders import build_controller

    with pytest.raises(errors.UnknownJurisdiction):
        build_controller(establishment=code)


@pytest.mark.parametrize(("given_code", "stored"), [("fr", "FR"), ("GR", "EL"), ("no", "NO")])
def test_member_state_codes_are_normalised(given_code: str, stored: str) -> None:
    assert build_subject(jurisdiction=given_code).jurisdiction == stored


def test_processor_needs_its_article_28_contract() -> None:
    with pytest.raises(errors.InvalidInput, match=r"28\(3\)"):
        Recipient("mailer", "Mailer", RecipientKind.PROCESSOR)
    Recipient("mailer", "Mailer", RecipientKind.PROCESSOR, contract_reference="DPA-7")


def test_transfers_need_a_chapter_v_ground() -> None:
    with pytest.raises(errors.InvalidInput, match="EEA"):
        Transfer("DE", TransferMechanism.SCC, "ref")
    with pytest.raises(errors.InvalidInput, match="no adequacy decision"):
        Transfer("IN", TransferMechanism.ADEQUACY)
    with pytest.raises(errors.InvalidInput, match="Data Privacy Framework"):
        Transfer("US", TransferMechanism.ADEQUACY)
    with pytest.raises(errors.InvalidInput, match="reference"):
        Transfer("IN", TransferMechanism.SCC)
    Transfer("JP", TransferMechanism.ADEQUACY)
    Transfer("US", TransferMechanism.ADEQUACY, "DPF certification no. 123")


@pytest.mark.parametrize(
    "period",
    [
        relativedelta(),
        relativedelta(years=-1),
        relativedelta(year=2030),
        relativedelta(microseconds=5),
    ],
)
def test_retention_periods_are_finite_positive_and_relative(period: relativedelta) -> None:
    # Art. 5(1)(e), 25(2)
    with pytest.raises(errors.InvalidInput, match=r"RetentionRule\.period"):
        RetentionRule(period)


def test_objection_to_direct_marketing_cannot_be_overridden() -> None:
    # Art. 21(3)
    with pytest.raises(errors.InvalidInput, match=r"21\(3\)"):
        Objection(SubjectId.new(), T0, direct_marketing=True, overridden_by="compelling")
    with pytest.raises(errors.InvalidInput, match="exactly one"):
        Objection(SubjectId.new(), T0)


def test_restriction_is_lifted_only_after_informing_the_subject() -> None:
    # Art. 18(3)
    r = Restriction(SubjectId.new(), RestrictionGround.ACCURACY_CONTESTED, T0)
    with pytest.raises(errors.InvalidInput, match=r"18\(3\)"):
        Restriction(r.subject_id, r.ground, T0, lifted_at=T0 + timedelta(days=2))
    with pytest.raises(errors.InvalidInput, match=r"18\(3\)"):
        r.lift(informed_at=T0 + timedelta(days=3), at=T0 + timedelta(days=2))
    lifted = r.lift(informed_at=T0 + timedelta(days=1), at=T0 + timedelta(days=2))
    assert lifted.in_force(T0 + timedelta(days=1))
    assert not lifted.in_force(T0 + timedelta(days=2))


def test_category_flags_are_consistent() -> None:
    with pytest.raises(errors.InvalidInput):
        DataCategory("special.x", "X", CnilGroup.SENSITIVE, special=True, criminal=True)
    with pytest.raises(errors.InvalidInput):
        DataCategory("special.x", "X", CnilGroup.CIVIL_STATUS, special=True)
    assert all(c.group is CnilGroup.SENSITIVE for c in DEFAULT_TAXONOMY.values() if c.sensitive)


def test_declarations_refuse_inconsistent_fields_and_ids() -> None:
    p = build_purpose("support")
    other_email = FieldSpec("email", DEFAULT_TAXONOMY["contact.phone"])
    with pytest.raises(errors.InconsistentDeclarations, match="email"):
        Declarations(build_controller(), (other_email, NAME), (p,))
    with pytest.raises(errors.InconsistentDeclarations, match="twice"):
        Declarations(build_controller(), (EMAIL, NAME), (p, p))
    with pytest.raises(errors.InconsistentDeclarations, match="compatible_with"):
        Declarations(
            build_controller(), (EMAIL, NAME), (build_purpose("x", compatible_with={"nope"}),)
        )
    decl = Declarations(build_controller(), (EMAIL, NAME), (p,))
    with pytest.raises(errors.UnknownPurpose):
        decl.purpose("nope")
    with pytest.raises(errors.UnknownField):
        decl.field("nope")


def test_no_personal_value_in_reprs() -> None:
    subject = build_subject()
    assert "1980" not in repr(subject)
    consent = build_consent(subject, "newsletter")
    assert "signup-v3" not in repr(consent)


def test_subject_age_from_birth_date_or_attestation() -> None:
    from datetime import date

    from gdprcrm.model import AgeAttestation

    s = build_subject(birth_date=date(2011, 3, 2))
    assert s.age_at(datetime(2026, 3, 1, tzinfo=UTC)) == 14
    assert s.age_at(datetime(2026, 3, 2, tzinfo=UTC)) == 15
    a = build_subject(birth_date=None, attested_age=AgeAttestation(16, T0))
    assert a.age_at(T0 + relativedelta(years=2)) == 18
    assert build_subject(birth_date=None).age_at(T0) is None


def test_subject_is_frozen() -> None:
    import attrs

    s: Subject = build_subject()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        s.jurisdiction = "DE"  # type: ignore[misc]


@pytest.mark.parametrize("basis", [LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK])
def test_a_purpose_resting_on_a_law_must_name_it(basis: LegalBasis) -> None:
    # Art. 6(3), 17(3)(b): the law that sets the basis is what holds the data.
    with pytest.raises(errors.InvalidPurpose, match=r"legal_reference"):
        build_purpose("archive", basis, retention=RetentionRule(relativedelta(years=10)))
    held = build_purpose(
        "archive",
        basis,
        retention=RetentionRule(relativedelta(years=10), legal_reference="Code de commerce"),
    )
    assert held.retention.is_legal_hold


@pytest.mark.parametrize("country", ["CH", "US", "GB", "gb", " ma "])
def test_a_subject_may_live_outside_the_eea(country: str) -> None:
    # Art. 3(1): a controller established in the Union applies the GDPR to every person.
    subject = build_subject(jurisdiction=country)
    assert subject.jurisdiction == country.strip().upper()
    from gdprcrm.model import DEFAULT_CONSENT_AGES

    assert DEFAULT_CONSENT_AGES.age_for(subject.jurisdiction) == 16  # Art. 8(1) default


@pytest.mark.parametrize("code", ["XX", "FRA", "", "E1"])
def test_a_jurisdiction_must_be_an_iso_3166_code(code: str) -> None:
    with pytest.raises(errors.UnknownJurisdiction):
        build_subject(jurisdiction=code)


@pytest.mark.parametrize("name", ["gdprcrm_birth_date", "gdprcrm-erasure", "GDPRCRM_notes"])
def test_gdprcrms_own_names_cannot_be_declared(name: str) -> None:
    from gdprcrm.model import DEFAULT_TAXONOMY, FieldSpec

    as_field = FieldSpec(name.lower().replace("-", "_"), DEFAULT_TAXONOMY["identity.name"])
    with pytest.raises(errors.InconsistentDeclarations, match="reserved"):
        build_declarations(build_purpose("notes", fields=(as_field,)))
    with pytest.raises(errors.InconsistentDeclarations, match="reserved"):
        build_declarations(build_purpose(name.lower().replace("_", "-")))


def test_a_subjects_repr_shows_no_free_text() -> None:
    from gdprcrm.model import DataSource

    subject = build_subject(source=DataSource("liste de Léa Martin, salon 2026"))
    assert "Léa" not in repr(subject)
    assert "salon" not in repr(subject)


def test_anonymise_is_refused_until_it_can_really_anonymise() -> None:
    # Recital 26: anonymous means unlinkable by any means reasonably likely to be used;
    # a rule that deletes while claiming to anonymise would be a false record (Art. 5(2)).
    from gdprcrm.model import RetentionAction

    with pytest.raises(errors.InvalidInput, match="Recital 26"):
        RetentionRule(relativedelta(years=1), action=RetentionAction.ANONYMISE)


@given(st.lists(st.uuids(), min_size=2, max_size=20))
def test_subject_ids_sort_by_bytes_as_by_text(values: list[uuid.UUID]) -> None:
    # The ports order due entries by (instant, subject id bytes): the same order as by
    # the id's text, which they used before, without formatting a UUID per row.
    ids = [SubjectId(v) for v in values]
    assert sorted(ids, key=lambda s: s.bytes) == sorted(ids, key=str)

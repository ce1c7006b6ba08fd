"""One property per rule decide() applies; each fails if its rule is removed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given
from hypothesis import strategies as st

from gdprcrm.errors import NaiveDatetime
from gdprcrm.model import (
    DEFAULT_CONSENT_AGES,
    DEFAULT_TAXONOMY,
    EEA_STATES,
    AnchorEvent,
    AutomatedDecision,
    ConsentEvent,
    ConsentGiven,
    ConsentGiver,
    ConsentWithdrawn,
    FieldSpec,
    LegalBasis,
    NoticeVersion,
    Objection,
    Restriction,
    RestrictionExemption,
    RestrictionGround,
    RetentionRule,
    SpecialCategoryCondition,
    SubjectStatus,
)
from gdprcrm.policy import Operation, Outcome, Reason, SubjectState, decide
from gdprcrm.testing import strategies as gst
from gdprcrm.testing.builders import (
    build_consent,
    build_declarations,
    build_purpose,
    build_subject,
)

T0 = gst.EPOCH
LONG = RetentionRule(relativedelta(years=50))
NEWSLETTER = build_purpose("newsletter", LegalBasis.CONSENT, direct_marketing=True, retention=LONG)
PROFILING = build_purpose("profiling", LegalBasis.CONSENT, retention=LONG)
SUPPORT = build_purpose("support", LegalBasis.CONTRACT, retention=LONG)
PROSPECTING = build_purpose(
    "prospecting", LegalBasis.LEGITIMATE_INTERESTS, direct_marketing=True, retention=LONG
)
ANALYTICS = build_purpose("analytics", LegalBasis.LEGITIMATE_INTERESTS, retention=LONG)
DECL = build_declarations(NEWSLETTER, PROFILING, SUPPORT, PROSPECTING, ANALYTICS)
ALL_IDS = [p.id for p in DECL.purposes]


def offsets(max_days: int = 400) -> st.SearchStrategy[timedelta]:
    return st.integers(0, max_days * 86_400).map(lambda s: timedelta(seconds=s))


def adult_state() -> SubjectState:
    return SubjectState(build_subject(purposes=ALL_IDS, collected_at=T0))


# --- Art. 6(1)(a), 7(3): consent and withdrawal -------------------------------------


@given(offsets(), st.integers(1, 10**8), st.data())
def test_after_withdrawal_refused_for_every_later_instant_and_allowed_before(
    given_after: timedelta, lifetime_s: int, data: st.DataObject
) -> None:
    subject = build_subject(purposes=ALL_IDS, collected_at=T0)
    g = T0 + given_after
    consent = build_consent(subject, "newsletter", g)
    w = g + timedelta(seconds=lifetime_s)
    state = SubjectState(subject, (consent, consent.withdraw(w, "unsubscribe-link")))
    before = g + timedelta(seconds=data.draw(st.integers(0, lifetime_s - 1)))
    after = w + timedelta(seconds=data.draw(st.integers(0, 10**9)))
    assert decide(state, "newsletter", before, DECL).allowed
    refused = decide(state, "newsletter", after, DECL)
    assert not refused.allowed
    assert refused.reasons == (Reason.CONSENT_WITHDRAWN,)
    before_given = g - timedelta(seconds=data.draw(st.integers(1, 10**6)))
    assert decide(state, "newsletter", before_given, DECL).reasons == (Reason.CONSENT_MISSING,)


def _reference_consent(events: tuple[ConsentEvent, ...], purpose_id: str, at: datetime) -> bool:
    """Independent model: a consent given <= at and not withdrawn <= at."""
    withdrawn = {e.consent_id for e in events if isinstance(e, ConsentWithdrawn) and e.at <= at}
    return any(
        isinstance(e, ConsentGiven)
        and e.purpose_id == purpose_id
        and e.at <= at
        and e.id not in withdrawn
        for e in events
    )


@given(st.data())
def test_consent_purposes_allowed_iff_a_consent_is_in_force(data: st.DataObject) -> None:
    subject = build_subject(purposes=ALL_IDS, collected_at=T0)
    events = data.draw(gst.consent_timelines(subject.id, ["newsletter", "profiling"]))
    state = SubjectState(subject, events)
    at = T0 + data.draw(offsets(500))
    for pid in ("newsletter", "profiling"):
        expected = _reference_consent(events, pid, at)
        assert decide(state, pid, at, DECL).allowed is expected


@given(st.data())
def test_events_of_one_purpose_never_change_another(data: st.DataObject) -> None:
    # Art. 7(2)-(3): granular consent; withdrawing one purpose touches no other.
    subject = build_subject(purposes=ALL_IDS, collected_at=T0)
    events = data.draw(gst.consent_timelines(subject.id, ["newsletter", "profiling"]))
    at = T0 + data.draw(offsets(500))
    full = SubjectState(subject, events)
    for pid in ALL_IDS:
        own = SubjectState(subject, tuple(e for e in events if e.purpose_id == pid))
        assert decide(full, pid, at, DECL) is decide(own, pid, at, DECL)


# --- Art. 21: objections ------------------------------------------------------------


@given(st.data())
def test_direct_marketing_objection_refuses_every_dm_purpose_and_nothing_else(
    data: st.DataObject,
) -> None:
    decl = data.draw(gst.declarations())
    state = data.draw(gst.subject_states(decl))
    objected_at = T0 + data.draw(offsets(300))
    objection = Objection(state.subject.id, objected_at, direct_marketing=True)
    with_objection = state.with_events(objections=[objection])
    at = T0 + data.draw(offsets(600))
    for purpose in decl.purposes:
        before = decide(state, purpose.id, at, decl)
        after = decide(with_objection, purpose.id, at, decl)
        if purpose.direct_marketing and at >= objected_at:
            assert not after.allowed
            assert Reason.DIRECT_MARKETING_OBJECTION in after.reasons
        else:
            assert after is before


@given(offsets(300), offsets(600), st.booleans())
def test_objection_under_legitimate_interests_stops_it_unless_overridden(
    objected: timedelta, probe: timedelta, overridden: bool
) -> None:
    # Art. 21(1)
    state = adult_state()
    objection = Objection(
        state.subject.id,
        T0 + objected,
        purpose_id="analytics",
        overridden_by="compelling-grounds-memo-7" if overridden else None,
    )
    objected_state = state.with_events(objections=[objection])
    at = T0 + probe
    decision = decide(objected_state, "analytics", at, DECL)
    if at >= objection.at and not overridden:
        assert decision.reasons == (Reason.OBJECTION,)
    else:
        assert decision.allowed


@given(offsets(300), offsets(600))
def test_objection_to_a_contract_purpose_has_no_article_21_effect(
    objected: timedelta, probe: timedelta
) -> None:
    state = adult_state()
    objection = Objection(state.subject.id, T0 + objected, purpose_id="support")
    assert decide(state.with_events(objections=[objection]), "support", T0 + probe, DECL).allowed


@given(offsets(300), offsets(600))
def test_objection_naming_a_direct_marketing_purpose_is_absolute(
    objected: timedelta, probe: timedelta
) -> None:
    state = adult_state()
    objection = Objection(state.subject.id, T0 + objected, purpose_id="prospecting")
    decision = decide(state.with_events(objections=[objection]), "prospecting", T0 + probe, DECL)
    assert decision.allowed is (T0 + probe < objection.at)
    if not decision.allowed:
        assert decision.reasons == (Reason.DIRECT_MARKETING_OBJECTION,)


@given(st.data())
def test_an_objection_to_one_marketing_purpose_has_the_scope_of_a_marketing_objection(
    data: st.DataObject,
) -> None:
    # Art. 21(2)-(3): one scope, the same as the suppression list's at collection: an
    # objection naming any direct-marketing purpose stops every one of them, as an
    # objection to direct marketing does, and nothing else.
    decl = data.draw(gst.declarations())
    marketing = [p.id for p in decl.purposes if p.direct_marketing]
    assume(marketing)
    state = data.draw(gst.subject_states(decl))
    objected_at = T0 + data.draw(offsets(300))
    named = data.draw(st.sampled_from(marketing))
    by_purpose = state.with_events(
        objections=[Objection(state.subject.id, objected_at, purpose_id=named)]
    )
    as_such = state.with_events(
        objections=[Objection(state.subject.id, objected_at, direct_marketing=True)]
    )
    at = T0 + data.draw(offsets(600))
    for purpose in decl.purposes:
        assert decide(by_purpose, purpose.id, at, decl) == decide(as_such, purpose.id, at, decl)


# --- Art. 18: restriction -----------------------------------------------------------


@given(st.data())
def test_restriction_refuses_everything_but_storage(data: st.DataObject) -> None:
    decl = data.draw(gst.declarations())
    base = data.draw(gst.subject_states(decl))
    base = SubjectState(base.subject, base.consents, base.objections, ())
    last_event = max([e.at for e in base.consents], default=T0)
    # After every consent event: a consent given since the restriction is an 18(2) ground.
    restricted_at = max(last_event, base.subject.collected_at) + timedelta(
        seconds=data.draw(st.integers(1, 30 * 86_400))
    )
    restriction = Restriction(
        base.subject.id, data.draw(st.sampled_from(list(RestrictionGround))), restricted_at
    )
    state = base.with_events(restrictions=[restriction])
    at = restricted_at + data.draw(offsets(300))
    earlier = restricted_at - timedelta(seconds=data.draw(st.integers(1, 10**7)))
    for purpose in decl.purposes:
        used = decide(state, purpose.id, at, decl)
        assert not used.allowed
        assert Reason.RESTRICTED in used.reasons
        stored = decide(state, purpose.id, at, decl, operation=Operation.STORE)
        assert stored is decide(base, purpose.id, at, decl)
        assert decide(state, purpose.id, earlier, decl) is decide(base, purpose.id, earlier, decl)


def test_restriction_exemptions_of_article_18_2() -> None:
    claims = build_purpose(
        "claims",
        LegalBasis.LEGAL_OBLIGATION,
        retention=RetentionRule(relativedelta(years=50), legal_reference="Code civil, 2224"),
        restriction_exemption=RestrictionExemption.LEGAL_CLAIMS,
    )
    decl = build_declarations(NEWSLETTER, claims)
    subject = build_subject(purposes=["newsletter", "claims"], collected_at=T0)
    r = Restriction(subject.id, RestrictionGround.ACCURACY_CONTESTED, T0 + timedelta(days=10))
    early = build_consent(subject, "newsletter", T0)
    state = SubjectState(subject, (early,), restrictions=(r,))
    at = T0 + timedelta(days=20)
    assert decide(state, "claims", at, decl).reasons == (
        Reason.BASIS_LEGAL_OBLIGATION,
        Reason.RESTRICTION_EXEMPTION,
    )
    assert decide(state, "newsletter", at, decl).reasons == (Reason.RESTRICTED,)
    # A consent given after the restriction started is an 18(2) ground.
    late = build_consent(subject, "newsletter", T0 + timedelta(days=15))
    state2 = state.with_events(consents=[late])
    assert decide(state2, "newsletter", at, decl).allowed
    lifted = r.lift(informed_at=T0 + timedelta(days=11), at=T0 + timedelta(days=12))
    state3 = SubjectState(subject, (early,), restrictions=(lifted,))
    assert decide(state3, "newsletter", at, decl).allowed


# --- Art. 17: erasure ---------------------------------------------------------------


@given(st.data(), st.sampled_from([SubjectStatus.ERASED, SubjectStatus.ERASURE_PENDING]))
def test_nothing_is_ever_allowed_for_an_erased_subject(
    data: st.DataObject, status: SubjectStatus
) -> None:
    decl = data.draw(gst.declarations())
    state = data.draw(gst.subject_states(decl, adult=None))
    erased = SubjectState(
        attrs.evolve(state.subject, status=status),
        state.consents,
        state.objections,
        state.restrictions,
    )
    at = data.draw(gst.instants())
    for purpose in decl.purposes:
        held = (
            status is SubjectStatus.ERASURE_PENDING
            and purpose.retention.is_legal_hold
            and purpose.id in erased.subject.purposes
        )
        for op in Operation:
            decision = decide(erased, purpose.id, at, decl, operation=op)
            if held:  # Art. 17(3)(b): the hold's own purpose goes on; the other rules apply
                assert Reason.ERASED not in decision.reasons
                assert decision == decide(state, purpose.id, at, decl, operation=op)
            else:
                assert not decision.allowed
                assert decision.reasons == (Reason.ERASED,)


def test_held_data_serves_its_hold_and_nothing_else() -> None:
    # Art. 17(3)(b): invoices kept under the Code de commerce may still be processed for
    # invoicing while the erasure waits; the newsletter may not.
    invoicing = build_purpose("invoicing", LegalBasis.LEGAL_OBLIGATION)
    decl = build_declarations(NEWSLETTER, invoicing)
    subject = build_subject(purposes=["newsletter", "invoicing"], collected_at=T0)
    pending = SubjectState(attrs.evolve(subject, status=SubjectStatus.ERASURE_PENDING))
    at = T0 + timedelta(days=30)
    assert decide(pending, "invoicing", at, decl).reasons == (Reason.BASIS_LEGAL_OBLIGATION,)
    assert decide(pending, "newsletter", at, decl).reasons == (Reason.ERASED,)
    gone = SubjectState(attrs.evolve(subject, status=SubjectStatus.ERASED))
    assert decide(gone, "invoicing", at, decl).reasons == (Reason.ERASED,)


# --- Art. 5(1)(e): retention --------------------------------------------------------


@given(st.data())
def test_retention_expired_exactly_from_anchor_plus_period(data: st.DataObject) -> None:
    decl = data.draw(gst.declarations())
    state = data.draw(gst.subject_states(decl))
    at = data.draw(gst.instants(min_value=T0, max_value=T0 + timedelta(days=365 * 12)))
    for purpose in decl.purposes:
        if purpose.retention.anchor is not AnchorEvent.COLLECTION:
            continue
        start = state.subject.collected_at
        year_end = purpose.retention.financial_year_end
        if year_end is not None:  # from the close of the financial year (L123-22)
            start = year_end.close_after(start)
        expires = start + purpose.retention.period
        reasons = decide(state, purpose.id, at, decl).reasons
        assert (Reason.RETENTION_EXPIRED in reasons) is (at >= expires)


@pytest.mark.parametrize(
    "anchor",
    [
        AnchorEvent.LAST_CONTACT_FROM_SUBJECT,
        AnchorEvent.END_OF_RELATIONSHIP,
        AnchorEvent.LAST_ACTIVITY,
    ],
)
def test_retention_runs_from_the_recorded_anchor(anchor: AnchorEvent) -> None:
    rule = RetentionRule(relativedelta(years=3), anchor=anchor)
    purpose = build_purpose("customers", LegalBasis.CONTRACT, retention=rule)
    decl = build_declarations(purpose)
    subject = build_subject(purposes=["customers"], collected_at=T0)
    contact = T0 + timedelta(days=400)
    state = SubjectState(subject, anchors={anchor: contact})
    assert decide(state, "customers", contact + relativedelta(years=3, seconds=-1), decl).allowed
    expired = decide(state, "customers", contact + relativedelta(years=3), decl)
    assert expired.reasons == (Reason.RETENTION_EXPIRED,)
    open_ended = SubjectState(subject)
    far = T0 + relativedelta(years=30)
    assert decide(open_ended, "customers", far, decl).allowed is (
        anchor is not AnchorEvent.LAST_CONTACT_FROM_SUBJECT
    )


def test_retention_from_consent_withdrawal() -> None:
    rule = RetentionRule(relativedelta(months=6), anchor=AnchorEvent.CONSENT_WITHDRAWAL)
    purpose = build_purpose("loyalty", LegalBasis.CONSENT, retention=rule)
    decl = build_declarations(purpose)
    subject = build_subject(purposes=["loyalty"], collected_at=T0)
    consent = build_consent(subject, "loyalty", T0)
    w = T0 + timedelta(days=30)
    state = SubjectState(subject, (consent, consent.withdraw(w, "email")))
    assert decide(state, "loyalty", w + relativedelta(months=6), decl).reasons == (
        Reason.CONSENT_WITHDRAWN,
        Reason.RETENTION_EXPIRED,
    )
    assert decide(state, "loyalty", w + relativedelta(months=5), decl).reasons == (
        Reason.CONSENT_WITHDRAWN,
    )


# --- Art. 8: children ---------------------------------------------------------------


@given(
    st.sampled_from(sorted(EEA_STATES)),
    st.sets(st.sampled_from(list(ConsentGiver))),
    offsets(30),
)
def test_minor_needs_parental_consent_and_in_france_both(
    state_code: str, givers: set[ConsentGiver], probe: timedelta
) -> None:
    threshold = DEFAULT_CONSENT_AGES.age_for(state_code)
    # A child one year under the national age on T0.
    birth = date(T0.year - threshold + 1, T0.month, T0.day)
    subject = build_subject(
        purposes=ALL_IDS, jurisdiction=state_code, collected_at=T0, birth_date=birth
    )
    events = tuple(
        attrs.evolve(build_consent(subject, "profiling", T0), given_by=g) for g in givers
    )
    state = SubjectState(subject, events)
    decision = decide(state, "profiling", T0 + probe, DECL)
    needed = {ConsentGiver.PARENTAL_RESPONSIBILITY}
    if state_code == "FR":
        needed.add(ConsentGiver.SUBJECT)  # Loi 78-17 art. 45: jointly
    if not givers:
        assert decision.reasons == (Reason.CONSENT_MISSING,)
    else:
        assert decision.allowed is (needed <= givers)
        if not decision.allowed:
            assert decision.reasons == (Reason.MINOR_WITHOUT_PARENTAL_CONSENT,)


@pytest.mark.parametrize(
    ("state_code", "givers", "allowed"),
    [
        ("FR", {ConsentGiver.PARENTAL_RESPONSIBILITY}, False),  # France: jointly, art. 45
        ("FR", {ConsentGiver.SUBJECT}, False),
        ("FR", {ConsentGiver.SUBJECT, ConsentGiver.PARENTAL_RESPONSIBILITY}, True),
        ("DE", {ConsentGiver.PARENTAL_RESPONSIBILITY}, True),  # elsewhere the parent alone
        ("DE", {ConsentGiver.SUBJECT}, False),
    ],
)
def test_minor_consent_examples(state_code: str, givers: set[ConsentGiver], allowed: bool) -> None:
    birth = date(T0.year - 12, 1, 1)
    subject = build_subject(
        purposes=ALL_IDS, jurisdiction=state_code, collected_at=T0, birth_date=birth
    )
    events = tuple(
        attrs.evolve(build_consent(subject, "profiling", T0), given_by=g) for g in givers
    )
    assert decide(SubjectState(subject, events), "profiling", T0, DECL).allowed is allowed


def test_age_of_consent_is_overridable_data() -> None:
    subject = build_subject(
        purposes=ALL_IDS, jurisdiction="DE", collected_at=T0, birth_date=date(T0.year - 14, 1, 1)
    )
    state = SubjectState(subject, (build_consent(subject, "profiling", T0),))
    assert not decide(state, "profiling", T0, DECL).allowed
    younger = DEFAULT_CONSENT_AGES.with_age("DE", 13)
    assert decide(state, "profiling", T0, DECL, ages=younger).allowed


def test_adult_needs_their_own_consent_not_a_parents() -> None:
    subject = build_subject(purposes=ALL_IDS, jurisdiction="DE", collected_at=T0)
    parental = build_consent(
        subject, "profiling", T0, given_by=ConsentGiver.PARENTAL_RESPONSIBILITY
    )
    state = SubjectState(subject, (parental,))
    assert decide(state, "profiling", T0, DECL).reasons == (Reason.CONSENT_MISSING,)


def test_unknown_age_under_consent_is_a_gap() -> None:
    subject = build_subject(purposes=ALL_IDS, collected_at=T0, birth_date=None)
    state = SubjectState(subject, (build_consent(subject, "profiling", T0),))
    decision = decide(state, "profiling", T0, DECL)
    assert decision.outcome is Outcome.GAP
    assert decision.reasons == (Reason.AGE_UNKNOWN,)
    # Under other bases age does not enter into it.
    assert decide(state, "support", T0, DECL).allowed


# --- Art. 9(2)(a), 22(2)(c): explicit consent ----------------------------------------


@given(st.booleans(), offsets(100))
def test_special_category_needs_explicit_consent(explicit: bool, probe: timedelta) -> None:
    health = FieldSpec("allergies", DEFAULT_TAXONOMY["special.health"])
    care = build_purpose(
        "care",
        LegalBasis.CONSENT,
        fields=(health,),
        retention=LONG,
        special_condition=SpecialCategoryCondition.EXPLICIT_CONSENT,
    )
    decl = build_declarations(care)
    subject = build_subject(purposes=["care"], collected_at=T0)
    state = SubjectState(subject, (build_consent(subject, "care", T0, explicit=explicit),))
    decision = decide(state, "care", T0 + probe, decl)
    assert decision.allowed is explicit
    if not explicit:
        assert decision.reasons == (Reason.SPECIAL_CATEGORY_WITHOUT_EXPLICIT_CONSENT,)


def test_automated_decision_on_consent_needs_explicit_consent() -> None:
    adm = AutomatedDecision("score", "credit refused", True, True, "ask for review")
    scoring = build_purpose(
        "scoring",
        LegalBasis.CONSENT,
        retention=LONG,
        automated_decision=adm,
        explicit_consent=True,
    )
    decl = build_declarations(scoring)
    subject = build_subject(purposes=["scoring"], collected_at=T0)
    plain = SubjectState(subject, (build_consent(subject, "scoring", T0),))
    assert decide(plain, "scoring", T0, decl).reasons == (
        Reason.AUTOMATED_DECISION_WITHOUT_EXPLICIT_CONSENT,
    )
    explicit = SubjectState(subject, (build_consent(subject, "scoring", T0, explicit=True),))
    assert decide(explicit, "scoring", T0, decl).allowed


# --- Art. 4(11), 7(1): informed consent and notice versions ------------------------


def test_consent_under_a_notice_without_the_purpose_does_not_count() -> None:
    v1 = NoticeVersion.describing("v1", T0 - timedelta(days=30), [NEWSLETTER])
    v2 = NoticeVersion.describing("v2", T0, [NEWSLETTER, PROFILING])
    decl = attrs.evolve(DECL, notices=(v1, v2))
    subject = build_subject(purposes=ALL_IDS, collected_at=T0)
    old = build_consent(subject, "profiling", T0, notice_version="v1")
    assert decide(SubjectState(subject, (old,)), "profiling", T0, decl).reasons == (
        Reason.CONSENT_NOT_INFORMED,
    )
    new = build_consent(subject, "profiling", T0, notice_version="v2")
    assert decide(SubjectState(subject, (new,)), "profiling", T0, decl).allowed
    kept = build_consent(subject, "newsletter", T0, notice_version="v1")
    assert decide(SubjectState(subject, (kept,)), "newsletter", T0, decl).allowed


def test_material_change_requires_renewal_and_wording_does_not() -> None:
    subject = build_subject(purposes=["newsletter"], collected_at=T0)
    state = SubjectState(subject, (build_consent(subject, "newsletter", T0),))
    renamed = attrs.evolve(NEWSLETTER, name="Our letter", description="Monthly news")
    decl = build_declarations(NEWSLETTER)
    decl_renamed = attrs.evolve(decl, purposes=(renamed,))
    assert decide(state, "newsletter", T0, decl_renamed).allowed
    longer = attrs.evolve(NEWSLETTER, retention=RetentionRule(relativedelta(years=60)))
    decl_changed = attrs.evolve(decl, purposes=(longer,))
    assert decide(state, "newsletter", T0, decl_changed).reasons == (
        Reason.CONSENT_RENEWAL_REQUIRED,
    )


def test_unknown_notice_version_is_a_gap() -> None:
    subject = build_subject(purposes=ALL_IDS, collected_at=T0)
    consent = build_consent(subject, "newsletter", T0, notice_version="v9")
    decision = decide(SubjectState(subject, (consent,)), "newsletter", T0, DECL)
    assert decision.outcome is Outcome.GAP
    assert decision.reasons == (Reason.NOTICE_VERSION_UNKNOWN,)


# --- Art. 5(1)(b), 6(4): purpose limitation ----------------------------------------


def test_data_collected_for_one_purpose_is_not_used_for_an_incompatible_one() -> None:
    billing = build_purpose("billing", LegalBasis.CONTRACT, retention=LONG)
    follow_up = build_purpose(
        "follow-up", LegalBasis.LEGITIMATE_INTERESTS, retention=LONG, compatible_with={"billing"}
    )
    resale = build_purpose("resale", LegalBasis.LEGITIMATE_INTERESTS, retention=LONG)
    survey = build_purpose("survey", LegalBasis.CONSENT, retention=LONG)
    decl = build_declarations(billing, follow_up, resale, survey)
    subject = build_subject(purposes=["billing"], collected_at=T0)
    state = SubjectState(subject, (build_consent(subject, "survey", T0),))
    assert decide(state, "billing", T0, decl).allowed
    assert decide(state, "follow-up", T0, decl).allowed
    assert decide(state, "resale", T0, decl).reasons == (Reason.PURPOSE_INCOMPATIBLE,)
    assert decide(state, "survey", T0, decl).allowed  # a fresh consent is its own basis


# --- gaps and bad input --------------------------------------------------------------


def test_undeclared_purpose_is_a_gap_not_a_refusal() -> None:
    decision = decide(adult_state(), "telemarketing", T0, DECL)
    assert decision.outcome is Outcome.GAP
    assert decision.basis is None
    assert decision.reasons == (Reason.PURPOSE_UNDECLARED,)


def test_naive_instant_is_refused() -> None:
    with pytest.raises(NaiveDatetime):
        decide(adult_state(), "support", datetime(2026, 1, 1), DECL)


@given(st.data())
def test_decisions_carry_their_basis_and_article_codes(data: st.DataObject) -> None:
    decl = data.draw(gst.declarations())
    state = data.draw(gst.subject_states(decl, adult=None))
    at = data.draw(gst.instants(min_value=T0, max_value=T0 + timedelta(days=3000)))
    for purpose in decl.purposes:
        decision = decide(state, purpose.id, at, decl)
        assert decision.basis is purpose.basis
        assert decision.reasons, "every decision says why"
        assert all(r.article for r in decision.reasons)
        assert decision.allowed is (decision.outcome is Outcome.ALLOWED)


def test_decide_returns_interned_decisions_for_common_outcomes() -> None:
    state = adult_state()
    assert decide(state, "support", T0, DECL) is decide(state, "support", T0 + timedelta(1), DECL)

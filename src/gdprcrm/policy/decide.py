"""decide(): may purpose P process subject S at instant T? A pure function.

Every rule below names its article; each has a property test in tests/policy/ that
fails if the rule is removed. The rules, in the order they are applied:

* Art. 17 - nothing is allowed for an erased subject, or one being erased; Art. 17(3)(b)
  - save, while an erasure waits on a legal hold, the hold's own purpose.
* Art. 30(1)(b) / 5(1)(b) - a purpose that is not declared is a *gap*, not a refusal.
* Art. 5(1)(b), 6(4) - data collected for other purposes is used for P only if P is
  one of the collection purposes, is compatible with one, or rests on a fresh consent.
* Art. 6(1)(a), 7(1), 7(3) - under consent, a consent for P in force at T, given
  under a notice version that described P as it still is (Art. 4(11): informed).
* Art. 8(1) - under the national age, the holder of parental responsibility consents;
  in joint-consent states (France) the minor *and* the parent.
* Art. 9(2)(a), 22(2)(c) - where the purpose needs it, the consent is explicit.
* Art. 21(1)-(3) - an objection stops the purpose; against direct marketing always.
* Art. 44-49 - a transfer outside the EEA without a ground at the instant stops it.
* Art. 18(2) - a restriction allows storage only, save the purpose's 18(2) exemption
  or a consent given after the restriction.
* Art. 5(1)(e) - nothing is processed once its retention period has run out.
* Given an :class:`~gdprcrm.policy.marketing.Outreach` (a message on one channel to one
  contact point): the consents that count are those covering it, and the channel rules
  of :mod:`gdprcrm.policy.marketing` (ePrivacy art. 13, national law) apply.
"""

from __future__ import annotations

from datetime import datetime

from gdprcrm.deadlines import FRANCE, HolidayCalendar
from gdprcrm.errors import NaiveDatetime
from gdprcrm.model import (
    DEFAULT_CONSENT_AGES,
    DEFAULT_MARKETING_LAWS,
    ConsentAges,
    ConsentGiven,
    ConsentGiver,
    Declarations,
    LegalBasis,
    MarketingLaws,
    Purpose,
    SpecialCategoryCondition,
    Subject,
    SubjectStatus,
)
from gdprcrm.policy.decision import Decision, Operation
from gdprcrm.policy.marketing import Outreach, check_outreach, outreach_rules
from gdprcrm.policy.reasons import Reason, ReasonKind
from gdprcrm.policy.retention import retention_due
from gdprcrm.policy.rights import objection_stops
from gdprcrm.policy.state import SubjectState

__all__ = ["decide", "objected_to_marketing"]

_GROUND = {
    LegalBasis.CONSENT: Reason.BASIS_CONSENT,
    LegalBasis.CONTRACT: Reason.BASIS_CONTRACT,
    LegalBasis.LEGAL_OBLIGATION: Reason.BASIS_LEGAL_OBLIGATION,
    LegalBasis.VITAL_INTERESTS: Reason.BASIS_VITAL_INTERESTS,
    LegalBasis.PUBLIC_TASK: Reason.BASIS_PUBLIC_TASK,
    LegalBasis.LEGITIMATE_INTERESTS: Reason.BASIS_LEGITIMATE_INTERESTS,
}
_ERASED_STATUSES = frozenset({SubjectStatus.ERASED, SubjectStatus.ERASURE_PENDING})

# Interned decisions: the common outcomes are returned, never allocated, per call.
_Key = tuple[bool, tuple[Reason, ...], LegalBasis | None, tuple[str, ...]]
_INTERNED: dict[_Key, Decision] = {}


def _decision(
    allowed: bool,
    reasons: tuple[Reason, ...],
    basis: LegalBasis | None,
    sources: tuple[str, ...] = (),
) -> Decision:
    key = (allowed, reasons, basis, sources)
    found = _INTERNED.get(key)
    if found is None:
        found = _INTERNED.setdefault(key, Decision(allowed, reasons, basis, sources))
    return found


def _held_for(subject: Subject, purpose: Purpose | None) -> bool:
    """Art. 17(3)(b): an erasure pending on a legal hold keeps the hold's purpose."""
    return (
        subject.status is SubjectStatus.ERASURE_PENDING
        and purpose is not None
        and purpose.retention.is_legal_hold
        and purpose.id in subject.purposes
    )


def objected_to_marketing(state: SubjectState, declarations: Declarations, at: datetime) -> bool:
    """Art. 21(2)-(3): one scope for an objection to direct marketing. Whether made as
    such or to one direct-marketing purpose, it stops every direct-marketing purpose,
    as the suppression list does at collection ("no longer processed for such
    purposes")."""
    dm_at = state.dm_objection_at
    if dm_at is not None and dm_at <= at:
        return True
    for objected_id, objected_at in state.objection_at.items():
        objected = declarations.find_purpose(objected_id)
        if objected_at <= at and objected is not None and objected.direct_marketing:
            return True
    return False


def decide(
    state: SubjectState,
    purpose_id: str,
    at: datetime,
    declarations: Declarations,
    *,
    operation: Operation = Operation.USE,
    ages: ConsentAges = DEFAULT_CONSENT_AGES,
    outreach: Outreach | None = None,
    laws: MarketingLaws = DEFAULT_MARKETING_LAWS,
    calendar: HolidayCalendar = FRANCE,
) -> Decision:
    """Decide whether ``purpose_id`` may process ``state.subject`` at ``at``.

    Pure: no I/O, no clock. ``declarations`` gives the purposes and the notice versions
    consents were given under; ``ages`` the national ages of digital consent.
    ``outreach``: the question is about one message on one channel (to one contact
    point): ``laws`` are the channel rules of each member state, under the ones the
    declarations declare (``Declarations.marketing_laws``), ``calendar`` the
    controller's public holidays (its time zone is the declarations').
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetime("decide(at): naive datetime; pass a timezone-aware UTC instant")
    subject = state.subject
    purpose = declarations.find_purpose(purpose_id)
    basis = None if purpose is None else purpose.basis
    # Art. 17: erased means erased, whatever else the records say; while an erasure
    # waits on an Art. 17(3)(b) hold, only the hold's own purpose may process.
    if subject.status in _ERASED_STATUSES and not _held_for(subject, purpose):
        return _decision(False, (Reason.ERASED,), basis)
    if purpose is None:
        return _decision(False, (Reason.PURPOSE_UNDECLARED,), None)

    if outreach is not None:
        outreach = check_outreach(outreach, purpose, declarations)
    reasons: list[Reason] = []
    counting: list[ConsentGiven] = []
    if purpose.basis is LegalBasis.CONSENT:
        counting = _consent_rules(state, purpose, at, declarations, ages, reasons, outreach)

    if _beyond_collection(subject, purpose, counting):
        reasons.append(Reason.PURPOSE_INCOMPATIBLE)

    # Art. 21: an objection (to direct marketing, or to processing on 6(1)(e) or (f)).
    objection = _objection_rule(state, purpose, at, declarations)
    if objection is not None:
        reasons.append(objection)
    # Art. 18(2): restricted data may only be stored, save the 18(2) cases.
    exempt = False
    if operation is Operation.USE and state.restrictions:
        exempt = _restriction_rule(state, purpose, at, counting, reasons)

    # Art. 44-49: every transfer outside the EEA the purpose makes has its ground now.
    if not all(transfer.in_force(at) for transfer in purpose.transfers):
        reasons.append(Reason.TRANSFER_WITHOUT_GROUND)

    # Art. 5(1)(e): storage limitation.
    expiry = retention_due(state, purpose, at)
    if expiry is not None and at >= expiry:
        reasons.append(Reason.RETENTION_EXPIRED)

    # ePrivacy art. 13 and national law: this message, on this channel.
    extra: tuple[Reason, ...] = ()
    sources: tuple[str, ...] = ()
    if outreach is not None:
        extra, sources = outreach_rules(
            state,
            purpose,
            at,
            outreach,
            declarations,
            laws=laws,
            calendar=calendar,
            counting=counting,
            reasons=reasons,
        )

    return _verdict(purpose.basis, reasons, exempt, extra, sources)


def _beyond_collection(subject: Subject, purpose: Purpose, counting: list[ConsentGiven]) -> bool:
    """Art. 5(1)(b), 6(4): purpose limitation. The data was not collected for this
    purpose nor for one it is compatible with; a consent for it is a basis of its own."""
    return (
        purpose.id not in subject.purposes
        and not (purpose.compatible_with & subject.purposes)
        and not counting
        and purpose.basis is not LegalBasis.CONSENT
    )


def _verdict(
    basis: LegalBasis,
    reasons: list[Reason],
    exempt: bool,
    extra: tuple[Reason, ...],
    sources: tuple[str, ...],
) -> Decision:
    """Refused with every reason found (the declaration gaps first), or allowed on the
    basis's ground, an Art. 18(2) exemption and the channel's notes."""
    if reasons:
        gaps = [r for r in reasons if r.kind is ReasonKind.GAP]
        ordered = tuple(gaps + [r for r in reasons if r.kind is not ReasonKind.GAP])
        return _decision(False, ordered, basis, sources)
    if exempt:
        extra = (Reason.RESTRICTION_EXEMPTION, *extra)
    return _decision(True, (_GROUND[basis], *extra), basis, sources)


def _objection_rule(
    state: SubjectState, purpose: Purpose, at: datetime, declarations: Declarations
) -> Reason | None:
    """The objection that stops ``purpose`` at ``at``, if any."""
    # Art. 21(2)-(3): an objection to direct marketing is absolute, profiling included.
    if purpose.direct_marketing and objected_to_marketing(state, declarations, at):
        return Reason.DIRECT_MARKETING_OBJECTION
    # Art. 21(1): objection to processing on 6(1)(e) or (f), unless overridden.
    objected_at = state.objection_at.get(purpose.id)
    if objected_at is not None and objected_at <= at and objection_stops(purpose):
        return Reason.OBJECTION
    return None


def _restriction_rule(
    state: SubjectState,
    purpose: Purpose,
    at: datetime,
    counting: list[ConsentGiven],
    reasons: list[Reason],
) -> bool:
    """Art. 18(2): restricted data may only be stored, save the 18(2) cases (the
    purpose's declared exemption, or the subject's consent given since each restriction
    in force): True when such an exemption lets the use go ahead; RESTRICTED added to
    ``reasons`` when none does."""
    in_force = [r for r in state.restrictions if r.in_force(at)]
    if not in_force:
        return False
    consented_since = bool(counting) and all(any(c.at > r.at for c in counting) for r in in_force)
    if purpose.restriction_exemption is not None or consented_since:
        return True
    reasons.append(Reason.RESTRICTED)
    return False


def _consent_rules(
    state: SubjectState,
    purpose: Purpose,
    at: datetime,
    declarations: Declarations,
    ages: ConsentAges,
    reasons: list[Reason],
    outreach: Outreach | None,
) -> list[ConsentGiven]:
    """Art. 6(1)(a), 7, 8, 9(2)(a), 22(2)(c): the consents that count at ``at`` (for
    the outreach's channel and contact point, when asked about one)."""
    intervals = state.intervals.get(purpose.id, ())
    active = [i.consent for i in intervals if i.active_at(at)]
    if outreach is not None:
        active = [c for c in active if c.covers(outreach.channel, outreach.point)]
    if not active:
        withdrawn = any(i.withdrawn_at is not None and i.withdrawn_at <= at for i in intervals)
        # Art. 7(3) after a withdrawal, Art. 6(1)(a) when there never was a consent.
        reasons.append(Reason.CONSENT_WITHDRAWN if withdrawn else Reason.CONSENT_MISSING)
        return []

    informed = _informed(active, purpose, declarations, reasons)
    if not informed:
        return []
    counting = _of_age(state, informed, at, ages, reasons)
    if not counting:
        return []
    # Art. 9(2)(a), 22(2)(c): explicit consent where the purpose needs it.
    if purpose.requires_explicit_consent and not all(c.explicit for c in counting):
        reasons.append(_not_explicit(purpose))
        return []
    return counting


def _informed(
    active: list[ConsentGiven],
    purpose: Purpose,
    declarations: Declarations,
    reasons: list[Reason],
) -> list[ConsentGiven]:
    """Art. 4(11), 7(1): the consents given on a notice that described ``purpose`` as it
    is now (informed); when none was, why not, added to ``reasons``."""
    current = declarations.current_digest(purpose.id)
    informed: list[ConsentGiven] = []
    problems: list[Reason] = []
    for consent in active:
        notice = declarations.notice(consent.notice_version)
        if notice is None:
            problems.append(Reason.NOTICE_VERSION_UNKNOWN)
            continue
        digest = notice.digests.get(purpose.id)
        if digest is None:
            problems.append(Reason.CONSENT_NOT_INFORMED)
        elif digest != current:
            problems.append(Reason.CONSENT_RENEWAL_REQUIRED)
        else:
            informed.append(consent)
    if not informed:
        reasons.extend(dict.fromkeys(problems))
    return informed


def _of_age(
    state: SubjectState,
    informed: list[ConsentGiven],
    at: datetime,
    ages: ConsentAges,
    reasons: list[Reason],
) -> list[ConsentGiven]:
    """Art. 8(1): the informed consents that count given the subject's age and the age
    of digital consent of their member state; when none does, why not, in ``reasons``."""
    subject = state.subject
    age = subject.age_at(at)
    if age is None:  # Art. 8(2): the controller must make reasonable efforts to verify
        reasons.append(Reason.AGE_UNREADABLE if state.age_unreadable else Reason.AGE_UNKNOWN)
        return []
    threshold = ages.age_for(subject.jurisdiction)
    joint = ages.requires_joint_consent(subject.jurisdiction)
    if age < threshold:
        givers = {c.given_by for c in informed}
        needed = {ConsentGiver.PARENTAL_RESPONSIBILITY}
        if joint:  # France, Loi 78-17 art. 45: the minor and the parent together.
            needed.add(ConsentGiver.SUBJECT)
        if not needed <= givers:
            reasons.append(Reason.MINOR_WITHOUT_PARENTAL_CONSENT)
            return []
        return informed
    # An adult's processing rests on their own consent; one they gave as a minor
    # counts only where it was valid then (a joint-consent state). Interpretation.
    counting = [
        c
        for c in informed
        if c.given_by is ConsentGiver.SUBJECT
        and (joint or (subject.age_at(c.at) or 0) >= threshold)
    ]
    if not counting:
        reasons.append(Reason.CONSENT_MISSING)
    return counting


def _not_explicit(purpose: Purpose) -> Reason:
    """Art. 9(2)(a), 22(2)(c): why a consent that is not explicit does not count."""
    if purpose.special_condition is SpecialCategoryCondition.EXPLICIT_CONSENT:
        return Reason.SPECIAL_CATEGORY_WITHOUT_EXPLICIT_CONSENT
    if purpose.automated_decision is not None and purpose.automated_decision.under_article_22:
        return Reason.AUTOMATED_DECISION_WITHOUT_EXPLICIT_CONSENT
    return Reason.CONSENT_NOT_EXPLICIT

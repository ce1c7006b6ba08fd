"""Hypothesis strategies for the gdprcrm model (needs the ``gdprcrm[testing]`` extra).

Every strategy generates *valid* objects only, and shrinks toward the simplest legal
value (contract basis, one field, one-year retention, an adult French subject, ...)::

    from hypothesis import given
    from gdprcrm.testing import strategies as gst

    @given(gst.declarations())
    def test_my_register(decl): ...

The composite strategies accept the pieces they depend on, so that a test can pin what
it cares about: ``purposes(fields=...)``, ``consent_timelines(subject, purpose_ids, ...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from gdprcrm.documents.register import GDPRCRM_SECURITY_MEASURES
from gdprcrm.model import (
    ADEQUACY_DECISIONS,
    DEFAULT_TAXONOMY,
    EEA_STATES,
    AgeAttestation,
    AnchorEvent,
    AutomatedDecision,
    ConsentEvent,
    ConsentGiven,
    ConsentGiver,
    Contact,
    ControllerInfo,
    DataCategory,
    DataSource,
    Declarations,
    FieldSpec,
    LegalBasis,
    Lookup,
    NoticeVersion,
    Objection,
    Provenance,
    Purpose,
    Recipient,
    RecipientKind,
    Restriction,
    RestrictionGround,
    RetentionAction,
    RetentionRule,
    SpecialCategoryCondition,
    Subject,
    SubjectId,
    SupervisoryAuthority,
    Transfer,
    TransferMechanism,
)
from gdprcrm.policy import SubjectState
from gdprcrm.testing._base_strategies import FIELD_NAMES, instants, purpose_ids, subject_ids
from gdprcrm.testing._contact_strategies import (
    audit_codes,
    birth_dates_written,
    card_numbers_written,
    emails_written,
    french_mobile_notations,
    ibans_written,
    ip_addresses_written,
    nirs_written,
    personal_data_written,
    phone_numbers_written,
)
from gdprcrm.testing._dated_record_strategies import (
    financial_year_ends,
    record_ids,
    record_kinds,
    record_retentions,
    stored_records,
)
from gdprcrm.testing._marketing_strategies import (
    audiences,
    calling_windows,
    channel_rules,
    channels,
    information_duties,
    marketing_law_sets,
    marketing_laws,
    outreaches,
    sector_bans,
)
from gdprcrm.testing._record_strategies import (
    adequacies,
    age_attestations,
    audit_entries,
    blind_index_entries,
    breaches,
    consent_ages,
    consent_grants,
    consent_states,
    consents,
    consents_given,
    consents_refused,
    consents_withdrawn,
    contacts,
    data_sources,
    interactions,
    pending_erasures,
    personal_fields,
    recipient_notifications,
    requests,
    retention_dues,
    right_rules,
    supervisory_authorities,
    suppression_entries,
)

__all__ = [
    "EPOCH",
    "STRATEGIES_BY_TYPE",
    "adequacies",
    "age_attestations",
    "audiences",
    "audit_codes",
    "audit_entries",
    "automated_decisions",
    "birth_dates_written",
    "blind_index_entries",
    "breaches",
    "calling_windows",
    "card_numbers_written",
    "channel_rules",
    "channels",
    "consent_ages",
    "consent_grants",
    "consent_states",
    "consent_timelines",
    "consents",
    "consents_given",
    "consents_refused",
    "consents_withdrawn",
    "contacts",
    "controller_infos",
    "data_categories",
    "data_sources",
    "declarations",
    "emails_written",
    "field_specs",
    "financial_year_ends",
    "french_mobile_notations",
    "ibans_written",
    "information_duties",
    "instants",
    "interactions",
    "ip_addresses_written",
    "marketing_law_sets",
    "marketing_laws",
    "member_states",
    "nirs_written",
    "notice_versions",
    "objections",
    "outreaches",
    "pending_erasures",
    "personal_data_written",
    "personal_fields",
    "phone_numbers_written",
    "purpose_ids",
    "purposes",
    "recipient_notifications",
    "recipients",
    "record_ids",
    "record_kinds",
    "record_retentions",
    "requests",
    "restrictions",
    "retention_dues",
    "retention_rules",
    "right_rules",
    "sector_bans",
    "stored_records",
    "subject_ids",
    "subject_states",
    "subjects",
    "supervisory_authorities",
    "suppression_entries",
    "transfers",
]

EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The instant generated timelines start from by default (a Monday)."""

_ORDINARY = [c for c in DEFAULT_TAXONOMY.values() if not c.sensitive]
_SPECIAL = [c for c in DEFAULT_TAXONOMY.values() if c.special]


def member_states() -> st.SearchStrategy[str]:
    return st.sampled_from(["FR", *sorted(EEA_STATES - {"FR"})])


def data_categories(*, special: bool = False) -> st.SearchStrategy[DataCategory]:
    return st.sampled_from(_SPECIAL if special else _ORDINARY)


@st.composite
def field_specs(draw: st.DrawFn, *, special: bool = False, name: str | None = None) -> FieldSpec:
    category = draw(data_categories(special=special))
    lookup = draw(st.none() | st.sampled_from(list(Lookup)))
    return FieldSpec(
        name=name if name is not None else draw(FIELD_NAMES),
        category=category,
        provenance=draw(st.sampled_from(list(Provenance))),
        lookup=lookup,
    )


@st.composite
def retention_rules(draw: st.DrawFn, *, legal: bool | None = None) -> RetentionRule:
    years = draw(st.integers(0, 10))
    months = draw(st.integers(0, 11))
    days = draw(st.integers(0, 30))
    if not (years or months or days):
        years = 1
    has_reference = draw(st.booleans()) if legal is None else legal
    return RetentionRule(
        period=relativedelta(years=years, months=months, days=days),
        anchor=draw(st.sampled_from(list(AnchorEvent))),
        action=draw(st.sampled_from([RetentionAction.ERASE, RetentionAction.REVIEW])),
        legal_reference="Code de commerce, art. L123-22" if has_reference else None,
        financial_year_end=draw(st.none() | financial_year_ends()),
    )


@st.composite
def recipients(draw: st.DrawFn) -> Recipient:
    kind = draw(st.sampled_from(list(RecipientKind)))
    return Recipient(
        id=draw(purpose_ids()),
        name=draw(st.sampled_from(["Hosting SAS", "Mailer Ltd", "Comptable & Co"])),
        kind=kind,
        country=draw(st.sampled_from(["FR", "DE", "IE", "US"])),
        contract_reference="DPA-2026-01" if kind is RecipientKind.PROCESSOR else None,
    )


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    mechanism = draw(st.sampled_from(list(TransferMechanism)))
    if mechanism is TransferMechanism.ADEQUACY:
        country = draw(st.sampled_from(sorted(ADEQUACY_DECISIONS)))
        conditional = ADEQUACY_DECISIONS[country].condition is not None
        return Transfer(country, mechanism, "certification-ref" if conditional else None)
    country = draw(st.sampled_from(["US", "IN", "BR", "CN", "MA"]))
    reference = None if mechanism is TransferMechanism.DEROGATION else "https://example.org/scc"
    start = draw(st.none() | instants())
    end = draw(st.none() | instants())
    if start is not None and end is not None and end <= start:
        start, end = end - timedelta(days=1), start  # a window that is one
    return Transfer(country, mechanism, reference, valid_from=start, valid_until=end)


def automated_decisions() -> st.SearchStrategy[AutomatedDecision]:
    return st.builds(
        AutomatedDecision,
        logic=st.just("score from purchase history"),
        significance=st.just("discount offered or not"),
        solely_automated=st.booleans(),
        significant=st.booleans(),
        human_review=st.just("ask support for a human review"),
    )


@st.composite
def purposes(
    draw: st.DrawFn,
    *,
    fields: Sequence[FieldSpec] | None = None,
    basis: LegalBasis | None = None,
    id: str | None = None,
    direct_marketing: bool | None = None,
) -> Purpose:
    """A valid purpose; its required companions (LIA, 9(2) condition, ...) are drawn too."""
    if fields is None:
        fields = draw(st.lists(field_specs(), min_size=1, max_size=4, unique_by=lambda f: f.name))
    chosen = draw(st.lists(st.sampled_from(list(fields)), min_size=1, unique_by=lambda f: f.name))
    if basis is None:
        basis = draw(st.sampled_from(list(LegalBasis)))
    has_special = any(f.category.special for f in chosen)
    explicit = basis is LegalBasis.CONSENT and draw(st.booleans())
    condition: SpecialCategoryCondition | None = None
    if has_special:
        if basis is LegalBasis.CONSENT:
            condition = SpecialCategoryCondition.EXPLICIT_CONSENT
        else:
            condition = draw(
                st.sampled_from(
                    [
                        c
                        for c in SpecialCategoryCondition
                        if c is not SpecialCategoryCondition.EXPLICIT_CONSENT
                    ]
                )
            )
    adm = draw(st.none() | automated_decisions())
    if adm is not None and adm.under_article_22:
        lawful = basis in (
            LegalBasis.CONTRACT,
            LegalBasis.LEGAL_OBLIGATION,
            LegalBasis.PUBLIC_TASK,
        ) or (basis is LegalBasis.CONSENT and explicit)
        special_ok = not has_special or condition in (
            SpecialCategoryCondition.EXPLICIT_CONSENT,
            SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        )
        if not (lawful and special_ok):
            adm = None
    marketing_ok = basis in (
        LegalBasis.CONSENT,
        LegalBasis.CONTRACT,
        LegalBasis.LEGITIMATE_INTERESTS,
    )
    if direct_marketing is None:
        direct_marketing = marketing_ok and draw(st.booleans())
    li = basis is LegalBasis.LEGITIMATE_INTERESTS
    return Purpose(
        id=id if id is not None else draw(purpose_ids()),
        name="A purpose",
        basis=basis,
        fields=tuple(chosen),
        retention=draw(
            retention_rules(
                legal=True
                if basis in (LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK)
                else None
            )
        ),
        recipients=tuple(draw(st.lists(recipients(), max_size=2, unique_by=lambda r: r.id))),
        transfers=tuple(draw(st.lists(transfers(), max_size=2))),
        automated_decision=adm,
        direct_marketing=direct_marketing,
        explicit_consent=explicit,
        special_condition=condition,
        legitimate_interests="customer relationship" if li else None,
        lia_reference="LIA-2026-01" if li else None,
        subject_categories=frozenset(draw(st.sets(st.sampled_from(["prospects", "customers"])))),
        **(draw(_marketing_attributes()) if direct_marketing else {}),
    )


@st.composite
def _marketing_attributes(draw: st.DrawFn) -> dict[str, Any]:
    """How a direct-marketing purpose reaches people, often left undeclared."""
    if not draw(st.booleans()):
        return {}
    return {
        "channels": frozenset(draw(st.sets(channels()))),
        "audience": draw(audiences()),
        "sector": draw(st.none() | st.sampled_from(["energy-renovation", "insurance"])),
        "existing_customers": draw(st.booleans()),
    }


def controller_infos() -> st.SearchStrategy[ControllerInfo]:
    return st.builds(
        ControllerInfo,
        id=st.just("acme"),
        name=st.just("ACME SAS"),
        contact=st.just(Contact("Service client", email="contact@acme.example")),
        supervisory_authority=st.just(
            SupervisoryAuthority("CNIL", "https://www.cnil.fr", "3 place de Fontenoy, Paris")
        ),
        dpo=st.none() | st.just(Contact("DPO", email="dpo@acme.example")),
    )


@st.composite
def declarations(
    draw: st.DrawFn,
    *,
    min_purposes: int = 1,
    max_purposes: int = 5,
    special: bool = True,
) -> Declarations:
    """Consistent declarations; the last notice version describes every purpose."""
    ordinary = draw(st.lists(field_specs(), min_size=1, max_size=5, unique_by=lambda f: f.name))
    names = {f.name for f in ordinary}
    extra: list[FieldSpec] = []
    if special and draw(st.booleans()):
        candidate = draw(field_specs(special=True))
        if candidate.name not in names:
            extra.append(candidate)
    fields = [*ordinary, *extra]
    ids = draw(st.lists(purpose_ids(), min_size=min_purposes, max_size=max_purposes, unique=True))
    built = [_in_english(draw(purposes(fields=fields, id=pid))) for pid in ids]
    published = draw(instants(max_value=EPOCH))
    notice = NoticeVersion.describing("v1", published, built)
    return Declarations(
        controller=draw(controller_infos()),
        fields=tuple(fields),
        purposes=tuple(built),
        notices=(notice,),
        security_measures=draw(
            st.lists(st.sampled_from(GDPRCRM_SECURITY_MEASURES), max_size=3, unique=True)
        ),
    )


def _english(obj: Any, names: Sequence[str]) -> Any:
    texts = {n: f"(en) {v}" for n in names if isinstance(v := getattr(obj, n, None), str) and v}
    return attrs.evolve(obj, translations={"en": texts} if texts else {})


def _in_english(p: Purpose) -> Purpose:
    """A purpose whose every text shown to people has an English version (Art. 12(1))."""
    shown = _english(p, ("name", "description", "legitimate_interests", "provision_consequences"))
    recipients = tuple(_english(r, ("name", "category")) for r in p.recipients)
    transfers = tuple(_english(t, ("reference",)) for t in p.transfers)
    result: Purpose = attrs.evolve(shown, recipients=recipients, transfers=transfers)
    return result


def notice_versions(decl: Declarations, at: datetime = EPOCH) -> st.SearchStrategy[NoticeVersion]:
    return st.builds(
        NoticeVersion.describing,
        version=st.just("v-generated"),
        published_at=st.just(at),
        purposes=st.lists(st.sampled_from(decl.purposes), unique_by=lambda p: p.id),
    )


@st.composite
def subjects(
    draw: st.DrawFn,
    *,
    purpose_ids: Sequence[str] = (),
    collected_at: datetime | None = None,
    adult: bool | None = True,
    jurisdiction: str | None = None,
) -> Subject:
    """A subject; ``adult=True`` (the default) gives a birth date well over any Art. 8 age,
    ``adult=False`` a child, ``adult=None`` any of: adult, child, unknown age."""
    at = collected_at if collected_at is not None else draw(instants(max_value=EPOCH))
    birth: date | None
    attested: AgeAttestation | None = None
    kind = (
        "adult"
        if adult
        else "child"
        if adult is False
        else draw(st.sampled_from(["adult", "child", "attested", "unknown"]))
    )
    if kind == "adult":
        birth = (at - timedelta(days=365 * draw(st.integers(18, 90)))).date()
    elif kind == "child":
        birth = (at - timedelta(days=365 * draw(st.integers(5, 12)) + 40)).date()
    elif kind == "attested":
        birth = None
        attested = AgeAttestation(age=18, attested_at=at)
    else:
        birth = None
    source = draw(st.none() | st.just(DataSource("partner list", publicly_accessible=False)))
    return Subject(
        id=draw(subject_ids()),
        jurisdiction=jurisdiction if jurisdiction is not None else draw(member_states()),
        collected_at=at,
        purposes=frozenset(purpose_ids),
        birth_date=birth,
        attested_age=attested,
        source=source,
    )


@st.composite
def consent_timelines(
    draw: st.DrawFn,
    subject_id: SubjectId,
    purpose_ids: Sequence[str],
    *,
    notice_version: str = "v1",
    start: datetime = EPOCH,
    max_events: int = 8,
    givers: Sequence[ConsentGiver] = (ConsentGiver.SUBJECT,),
    explicit: bool | None = None,
) -> tuple[ConsentEvent, ...]:
    """A legal sequence of consent events in time order: each withdrawal names an active
    consent and comes after it. Shrinks toward fewer, earlier events."""
    events: list[ConsentEvent] = []
    active: list[ConsentGiven] = []
    at = start
    for _ in range(draw(st.integers(0, max_events))):
        at = at + timedelta(seconds=draw(st.integers(0, 86_400 * 60)))
        withdraw = draw(st.booleans()) if active else False
        if withdraw:
            target = draw(st.sampled_from(active))
            active.remove(target)
            events.append(target.withdraw(at, "web-form"))
        else:
            given = ConsentGiven(
                subject_id=subject_id,
                purpose_id=draw(st.sampled_from(list(purpose_ids))),
                at=at,
                channel="web-form",
                notice_version=notice_version,
                explicit=draw(st.booleans()) if explicit is None else explicit,
                given_by=draw(st.sampled_from(list(givers))),
            )
            active.append(given)
            events.append(given)
    return tuple(events)


def objections(
    subject_id: SubjectId, purpose_ids: Sequence[str], start: datetime = EPOCH
) -> st.SearchStrategy[Objection]:
    by_purpose = st.builds(
        Objection,
        subject_id=st.just(subject_id),
        at=instants(min_value=start, max_value=start + timedelta(days=720)),
        purpose_id=st.sampled_from(list(purpose_ids)),
    )
    marketing = st.builds(
        Objection,
        subject_id=st.just(subject_id),
        at=instants(min_value=start, max_value=start + timedelta(days=720)),
        direct_marketing=st.just(True),
        contact_channel=st.none() | channels(),
    )
    return marketing | by_purpose if purpose_ids else marketing


@st.composite
def restrictions(draw: st.DrawFn, subject_id: SubjectId, start: datetime = EPOCH) -> Restriction:
    at = draw(instants(min_value=start, max_value=start + timedelta(days=720)))
    restriction = Restriction(subject_id, draw(st.sampled_from(list(RestrictionGround))), at)
    if draw(st.booleans()):
        lifted = at + timedelta(days=draw(st.integers(1, 90)))
        restriction = restriction.lift(informed_at=lifted - timedelta(days=1), at=lifted)
    return restriction


@st.composite
def subject_states(draw: st.DrawFn, /, decl: Declarations, **subject_kwargs: Any) -> SubjectState:
    """A subject with a random consent timeline, objections and restrictions."""
    ids = [p.id for p in decl.purposes]
    subject = draw(subjects(purpose_ids=ids, **subject_kwargs))
    start = max(subject.collected_at, EPOCH)
    notice = decl.notices[-1].version if decl.notices else "v1"
    events = draw(consent_timelines(subject.id, ids, notice_version=notice, start=start))
    objs = draw(st.lists(objections(subject.id, ids, start), max_size=2))
    rests = draw(st.lists(restrictions(subject.id, start), max_size=1))
    return SubjectState(subject, events, objs, rests)


STRATEGIES_BY_TYPE: dict[str, Any] = {
    "Adequacy": adequacies,
    "InformationDuty": information_duties,
    "CallingWindow": calling_windows,
    "ChannelRule": channel_rules,
    "MarketingLaw": marketing_laws,
    "MarketingLaws": marketing_law_sets,
    "SectorBan": sector_bans,
    "AgeAttestation": age_attestations,
    "AuditEntry": audit_entries,
    "AutomatedDecision": automated_decisions,
    "BlindIndexEntry": blind_index_entries,
    "Breach": breaches,
    "Consent": consents,
    "ConsentAges": consent_ages,
    "ConsentGiven": consents_given,
    "ConsentGrant": consent_grants,
    "ConsentRefused": consents_refused,
    "ConsentState": consent_states,
    "ConsentWithdrawn": consents_withdrawn,
    "Contact": contacts,
    "ControllerInfo": controller_infos,
    "DataCategory": data_categories,
    "DataSource": data_sources,
    "DataSubjectRequest": requests,
    "Declarations": declarations,
    "FieldSpec": field_specs,
    "FinancialYearEnd": financial_year_ends,
    "Interaction": interactions,
    "NoticeVersion": lambda: declarations().flatmap(notice_versions),
    "Objection": lambda: subject_ids().flatmap(lambda sid: objections(sid, ["profiling"])),
    "PendingErasure": pending_erasures,
    "PersonalField": personal_fields,
    "Purpose": purposes,
    "Recipient": recipients,
    "RecipientNotification": recipient_notifications,
    "Record": stored_records,
    "RecordId": record_ids,
    "RecordKind": record_kinds,
    "RecordRetention": record_retentions,
    "Restriction": lambda: subject_ids().flatmap(restrictions),
    "RetentionDue": retention_dues,
    "RetentionRule": retention_rules,
    "RightRule": right_rules,
    "Subject": subjects,
    "SubjectId": subject_ids,
    "SupervisoryAuthority": supervisory_authorities,
    "SuppressionEntry": suppression_entries,
    "Transfer": transfers,
}
"""One strategy factory per public model class: what ``st.from_type`` uses."""

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
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from gdprcrm.model import (
    AgeAttestation,
    ConsentEvent,
    ConsentGiven,
    ConsentGiver,
    DataSource,
    Declarations,
    NoticeVersion,
    Objection,
    Restriction,
    RestrictionGround,
    Subject,
    SubjectId,
)
from gdprcrm.policy import SubjectState
from gdprcrm.testing._base_strategies import instants, purpose_ids, subject_ids
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
from gdprcrm.testing._declaration_strategies import (
    EPOCH,
    automated_decisions,
    controller_infos,
    data_categories,
    declarations,
    field_specs,
    member_states,
    purposes,
    recipients,
    retention_rules,
    transfers,
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

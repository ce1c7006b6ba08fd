"""Hypothesis strategies for the plain records of the model (private; import them from
:mod:`gdprcrm.testing.strategies`): what adapters store, what requests and breaches
look like, and the small value objects the declarations are made of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from gdprcrm.model import (
    ADEQUACY_DECISIONS,
    DEFAULT_CONSENT_AGES,
    RIGHTS_MATRIX,
    Adequacy,
    AgeAttestation,
    AuditEntry,
    BlindIndexEntry,
    Breach,
    Channel,
    Consent,
    ConsentAges,
    ConsentGiven,
    ConsentGiver,
    ConsentGrant,
    ConsentRefused,
    ConsentState,
    ConsentWithdrawn,
    Contact,
    DataSource,
    DataSubjectRequest,
    Direction,
    ErasureStep,
    Interaction,
    InteractionKind,
    Lookup,
    NotificationEvent,
    PendingErasure,
    PersonalField,
    RecipientNotification,
    RequestKind,
    RetentionAction,
    RetentionDue,
    RightRule,
    SourceKind,
    SubjectId,
    SupervisoryAuthority,
    SuppressionEntry,
)
from gdprcrm.testing._base_strategies import FIELD_NAMES, instants, purpose_ids, subject_ids

__all__ = [
    "_hex_bytes",
    "adequacies",
    "age_attestations",
    "audit_entries",
    "blind_index_entries",
    "breaches",
    "consent_ages",
    "consent_grants",
    "consent_states",
    "consents",
    "consents_given",
    "consents_refused",
    "consents_withdrawn",
    "contacts",
    "data_sources",
    "interactions",
    "pending_erasures",
    "personal_fields",
    "recipient_notifications",
    "requests",
    "retention_dues",
    "right_rules",
    "supervisory_authorities",
    "suppression_entries",
]


def age_attestations() -> st.SearchStrategy[AgeAttestation]:
    return st.builds(AgeAttestation, age=st.integers(0, 120), attested_at=instants())


def data_sources() -> st.SearchStrategy[DataSource]:
    return st.builds(
        DataSource,
        description=st.sampled_from(["trade-fair list", "partner file", "public register"]),
        publicly_accessible=st.booleans(),
        kind=st.sampled_from(list(SourceKind)),
    )


def contacts() -> st.SearchStrategy[Contact]:
    return st.builds(
        Contact,
        name=st.sampled_from(["Service client", "DPO"]),
        email=st.just("contact@acme.example"),
        address=st.none() | st.just("1 rue de la Paix, 75002 Paris"),
    )


def supervisory_authorities() -> st.SearchStrategy[SupervisoryAuthority]:
    return st.just(SupervisoryAuthority("CNIL", "https://www.cnil.fr"))


def adequacies() -> st.SearchStrategy[Adequacy]:
    return st.sampled_from(sorted(ADEQUACY_DECISIONS.values(), key=lambda a: a.country))


def right_rules() -> st.SearchStrategy[RightRule]:
    return st.sampled_from([r for row in RIGHTS_MATRIX.values() for r in row.values()])


def consent_ages() -> st.SearchStrategy[ConsentAges]:
    return st.just(DEFAULT_CONSENT_AGES)


@st.composite
def consents_given(draw: st.DrawFn, subject_id: SubjectId | None = None) -> ConsentGiven:
    return ConsentGiven(
        subject_id=subject_id if subject_id is not None else draw(subject_ids()),
        purpose_id=draw(purpose_ids()),
        at=draw(instants()),
        channel="web-form",
        notice_version="v1",
        explicit=draw(st.booleans()),
        given_by=draw(st.sampled_from(list(ConsentGiver))),
        contact_channel=draw(st.none() | st.sampled_from(list(Channel))),
        contact_point=draw(st.none() | st.sampled_from(["email", "phone", "phone_mobile"])),
    )


@st.composite
def consent_grants(draw: st.DrawFn, purpose_id: str | None = None) -> ConsentGrant:
    """A consent given with a collection (``add_subject(consents=...)``)."""
    return ConsentGrant(
        purpose_id if purpose_id is not None else draw(purpose_ids()),
        draw(st.sampled_from(["web-form", "e-mail", "phone", "paper-form"])),
        explicit=draw(st.booleans()),
        given_by=draw(st.sampled_from(list(ConsentGiver))),
    )


@st.composite
def consents_refused(draw: st.DrawFn) -> ConsentRefused:
    return ConsentRefused(
        subject_id=draw(subject_ids()),
        purpose_id=draw(purpose_ids()),
        at=draw(instants()),
        channel=draw(st.sampled_from(["web-form", "phone"])),
        notice_version="v1",
        given_by=draw(st.sampled_from(list(ConsentGiver))),
    )


@st.composite
def consents_withdrawn(draw: st.DrawFn) -> ConsentWithdrawn:
    given = draw(consents_given())
    return given.withdraw(given.at + timedelta(seconds=draw(st.integers(0, 10**8))), "e-mail")


@st.composite
def consents(draw: st.DrawFn) -> Consent:
    """A consent, withdrawn or still in force."""
    given = draw(consents_given())
    if not draw(st.booleans()):
        return Consent(given)
    later = given.at + timedelta(seconds=draw(st.integers(0, 10**8)))
    return Consent(given, given.withdraw(later, "e-mail"))


@st.composite
def consent_states(draw: st.DrawFn) -> ConsentState:
    given = draw(consents_given())
    active = draw(st.booleans())
    return ConsentState(given.purpose_id, given.at, (given,) if active else (), not active)


def _hex_bytes(size: int) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=size, max_size=size)


def personal_fields() -> st.SearchStrategy[PersonalField]:
    return st.builds(
        PersonalField,
        subject_id=subject_ids(),
        name=FIELD_NAMES,
        ciphertext=st.binary(min_size=1, max_size=64),
        updated_at=instants(),
    )


def blind_index_entries() -> st.SearchStrategy[BlindIndexEntry]:
    return st.builds(
        BlindIndexEntry,
        subject_id=subject_ids(),
        field=FIELD_NAMES,
        kind=st.sampled_from(list(Lookup)),
        digest=_hex_bytes(32),
    )


def suppression_entries() -> st.SearchStrategy[SuppressionEntry]:
    return st.builds(
        SuppressionEntry, digest=_hex_bytes(32), kind=st.sampled_from(list(Lookup)), at=instants()
    )


def retention_dues() -> st.SearchStrategy[RetentionDue]:
    return st.builds(
        RetentionDue,
        subject_id=subject_ids(),
        purpose_id=purpose_ids(),
        due_at=instants(),
        action=st.sampled_from(list(RetentionAction)),
    )


@st.composite
def interactions(draw: st.DrawFn) -> Interaction:
    return Interaction(
        subject_id=draw(subject_ids()),
        at=draw(instants()),
        kind=draw(st.sampled_from(list(InteractionKind))),
        direction=draw(st.sampled_from(list(Direction))),
        purpose_id=draw(purpose_ids()),
        channel=draw(st.sampled_from(["e-mail", "phone", "web-form"])),
        content=draw(st.none() | st.binary(min_size=1, max_size=64)),
    )


@st.composite
def recipient_notifications(draw: st.DrawFn) -> RecipientNotification:
    at = draw(instants(max_value=datetime(2090, 1, 1, tzinfo=UTC)))
    sent = draw(st.none() | st.integers(0, 86_400 * 30).map(lambda s: at + timedelta(seconds=s)))
    return RecipientNotification(
        subject_id=draw(subject_ids()),
        recipient_id=draw(purpose_ids()),
        event=draw(st.sampled_from(list(NotificationEvent))),
        at=at,
        sent_at=sent,
    )


@st.composite
def requests(draw: st.DrawFn) -> DataSubjectRequest:
    """An open request, due one month after receipt (Art. 12(3))."""
    received = draw(instants(max_value=datetime(2090, 1, 1, tzinfo=UTC)))
    return DataSubjectRequest(
        subject_id=draw(subject_ids()),
        kind=draw(st.sampled_from(list(RequestKind))),
        received_at=received,
        due_at=received + relativedelta(months=1),
    )


@st.composite
def breaches(draw: st.DrawFn) -> Breach:
    aware_at = draw(instants(max_value=datetime(2090, 1, 1, tzinfo=UTC)))
    return Breach(
        aware_at=aware_at,
        nature=draw(st.sampled_from(["lost laptop", "misdirected e-mail", "intrusion"])),
        categories=frozenset(draw(st.sets(st.sampled_from(["contact.email", "identity.name"])))),
        approx_subjects=draw(st.integers(0, 10_000)),
        approx_records=draw(st.integers(0, 100_000)),
        high_risk=draw(st.booleans()),
    )


@st.composite
def audit_entries(draw: st.DrawFn) -> AuditEntry:
    """A valid, chained audit entry (the first of a chain, or a later one)."""
    from gdprcrm.audit import AuditChain

    chain = AuditChain(None)
    head = None
    times = sorted(draw(st.lists(instants(), min_size=1, max_size=3)))  # time goes forward
    for at in times[:-1]:
        head = chain.next_entry(head, at=at, actor="system", action="test.step")
    return chain.next_entry(
        head,
        at=times[-1],
        actor=draw(st.sampled_from(["system", "dpo"])),
        action=draw(st.sampled_from(["subject.added", "consent.given", "erasure.started"])),
        subject_id=draw(st.none() | subject_ids()),
        details={"fields": draw(st.integers(0, 9))},
    )


@st.composite
def pending_erasures(draw: st.DrawFn) -> PendingErasure:
    """An erasure under way: just started, or waiting on a hold (dated or not)."""
    started = draw(instants(max_value=datetime(2090, 1, 1, tzinfo=UTC)))
    step = draw(st.sampled_from(list(ErasureStep)))
    resume = draw(st.none() | st.integers(0, 3650).map(lambda d: started + timedelta(days=d)))
    return PendingErasure(draw(subject_ids()), started, step, resume)

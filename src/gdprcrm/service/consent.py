"""Consent (Art. 6(1)(a), 7, 8): giving, withdrawing and refusing, one purpose at a time."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import attrs

from gdprcrm.documents.receipt import build_receipt
from gdprcrm.errors import InvalidInput, PurposeLimitation, UnknownRecord
from gdprcrm.model import (
    Channel,
    Consent,
    ConsentEvent,
    ConsentGiven,
    ConsentGiver,
    ConsentRefused,
    ConsentWithdrawn,
    SubjectId,
    SubjectStatus,
    consents_of,
)
from gdprcrm.policy.marketing import check_contact_scope
from gdprcrm.policy.rights import check_consent
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.notes import check_channel, open_event, seal_evidence
from gdprcrm.storage.protocols import UnitOfWork

__all__ = [
    "ConsentOperations",
    "consent_history",
    "consent_receipt",
    "consents",
    "give_consent",
    "may_ask_consent",
    "record_given",
    "refuse_consent",
    "withdraw_consent",
]


def give_consent(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    *,
    channel: str,
    evidence: Mapping[str, str] | None,
    notice_version: str | None,
    language: str,
    explicit: bool,
    given_by: ConsentGiver,
    at: datetime | None,
    contact_channel: Channel | None = None,
    contact_point: str | None = None,
) -> ConsentGiven:
    now = k.now(at)
    purpose = k.declarations.purpose(purpose_id)
    check_consent(purpose)
    check_channel(channel)
    check_contact_scope(purpose, contact_channel, contact_point, k.declarations, "give_consent")
    version = notice_version or k.declarations.notices[-1].version
    event = ConsentGiven(
        subject_id,
        purpose_id,
        now,
        channel,
        version,
        language=language,
        explicit=explicit,
        given_by=given_by,
        evidence=dict(evidence or {}),
        contact_channel=contact_channel,
        contact_point=contact_point,
    )
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        if now < subject.collected_at:
            raise InvalidInput(
                "give_consent: a consent dated before the person's collection "
                f"({subject.collected_at.isoformat()}) records nothing that happened"
            )
        if purpose_id not in subject.purposes:  # Art. 5(1)(b): collect for it first
            raise PurposeLimitation(
                f"give_consent: the person was not collected for {purpose_id!r}: "
                "add_purposes first (with the values it needs and the notice shown)"
            )
        record_given(k, uow, event)
        k.schedule(uow, k.load_state(uow, subject))
        uow.commit()
    return event


def record_given(k: Kernel, uow: UnitOfWork, event: ConsentGiven) -> None:
    """Store a given consent (Art. 7(1)) and audit it, in ``uow``. The evidence may name
    the person (an IP, an address): sealed, it goes with them."""
    sealed = seal_evidence(k.vault, event.subject_id, dict(event.evidence))
    uow.consents.append(attrs.evolve(event, evidence=sealed))
    k.audit(
        uow,
        "consent.given",
        event.subject_id,
        event.purpose_id,
        at=event.at,
        details={"given_by": event.given_by.value, "explicit": event.explicit},
    )


def withdraw_consent(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    *,
    channel: str,
    at: datetime | None,
    contact_channel: Channel | None = None,
) -> list[ConsentWithdrawn]:
    """Art. 7(3): every consent in force for the purpose, withdrawn in one call; with
    ``contact_channel``, every one that covers that channel (a consent given for every
    channel is withdrawn whole: events are not split)."""
    now = k.now(at)
    check_channel(channel)
    purpose = k.declarations.purpose(purpose_id)
    check_contact_scope(purpose, contact_channel, None, k.declarations, "withdraw_consent")
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        state = k.load_state(uow, subject)
        active = [
            i.consent
            for i in state.intervals.get(purpose_id, ())
            if i.active_at(now) and i.consent.covers(contact_channel, None)
        ]
        events = [c.withdraw(now, channel) for c in active]
        for event in events:
            uow.consents.append(event)
        k.schedule(uow, state.with_events(consents=events))
        k.audit(
            uow,
            "consent.withdrawn",
            subject_id,
            purpose_id,
            at=now,
            details={"consents": len(events)},
        )
        uow.commit()
    return events


def consent_receipt(
    k: Kernel, subject_id: SubjectId, purpose_id: str | None, event_id: uuid.UUID | None
) -> str:
    if event_id is not None and not isinstance(event_id, uuid.UUID):
        raise InvalidInput("consent_receipt: event_id is the uuid.UUID of a consent event")
    history = consent_history(k, subject_id, purpose_id)
    if event_id is not None:
        chosen = [e for e in history if e.id == event_id]
        if not chosen:
            raise UnknownRecord(f"no consent event {event_id} for subject {subject_id}")
        event = chosen[0]
    elif history:  # at one instant, a withdrawal comes after the consent it ends
        event = max(history, key=lambda e: (e.at, isinstance(e, ConsentWithdrawn)))
    else:
        raise UnknownRecord(f"no consent event for subject {subject_id}")
    language, explicit = None, None
    if isinstance(event, ConsentWithdrawn):  # the language and type of what it ends
        ended = [e for e in history if isinstance(e, ConsentGiven) and e.id == event.consent_id]
        if ended:
            language, explicit = ended[0].language, ended[0].explicit
    return build_receipt(
        event, k.declarations, k.vault.signer, language=language, explicit=explicit
    )


def consent_history(
    k: Kernel, subject_id: SubjectId, purpose_id: str | None
) -> list[ConsentEvent]:
    with k.storage.unit_of_work(read_only=True) as uow:
        uow.subjects.get(subject_id)
        history = uow.consents.history(subject_id, purpose_id)
    return [open_event(k.vault, e) for e in history]


def consents(k: Kernel, subject_id: SubjectId, purpose_id: str | None) -> list[Consent]:
    """Each consent with its withdrawal (Art. 7(1): what the controller demonstrates)."""
    return consents_of(consent_history(k, subject_id, purpose_id))


def refuse_consent(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str,
    *,
    channel: str,
    notice_version: str | None,
    given_by: ConsentGiver,
    at: datetime | None,
) -> ConsentRefused:
    """Art. 7(1), 5(2): the controller asked and was told no. Recorded as an event in the
    consent history; values kept awaiting that consent go at the next sweep."""
    now = k.now(at)
    check_consent(k.declarations.purpose(purpose_id))
    check_channel(channel)
    version = notice_version or k.declarations.notices[-1].version
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        if now < subject.collected_at:
            raise InvalidInput("refuse_consent: dated before the person's collection")
        event = ConsentRefused(subject_id, purpose_id, now, channel, version, given_by=given_by)
        uow.consents.append(event)
        k.schedule(uow, k.load_state(uow, subject))
        k.audit(
            uow,
            "consent.refused",
            subject_id,
            purpose_id,
            at=now,
            details={"given_by": given_by.value},
        )
        uow.commit()
    return event


def may_ask_consent(
    k: Kernel, subject_id: SubjectId, purpose_id: str, at: datetime | None
) -> bool:
    """The host's question before asking for a consent: not while one is in force, and
    not within the declared ``ask_again_after`` of a refusal (a refusal is respected)."""
    now = k.now(at)
    check_consent(k.declarations.purpose(purpose_id))
    with k.storage.unit_of_work(read_only=True) as uow:
        subject = uow.subjects.get(subject_id)
        if subject.status is not SubjectStatus.ACTIVE:
            return False
        state = k.load_state(uow, subject)
    if any(i.active_at(now) for i in state.intervals.get(purpose_id, ())):
        return False
    refused = state.refused_at.get(purpose_id)
    return refused is None or now >= refused + k.declarations.ask_again_after


class ConsentOperations:
    """The consent half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def give_consent(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        evidence: Mapping[str, str] | None = None,
        notice_version: str | None = None,
        language: str = "fr",
        explicit: bool = False,
        given_by: ConsentGiver = ConsentGiver.SUBJECT,
        at: datetime | None = None,
        contact_channel: Channel | None = None,
        contact_point: str | None = None,
    ) -> ConsentGiven:
        """Record a consent for one purpose (Art. 7(1)-(2)), under the current notice by
        default. A parent's consent for a minor is ``given_by=PARENTAL_RESPONSIBILITY``.
        ``channel`` is where it was given (``web-form``); ``contact_channel`` and
        ``contact_point`` limit it to messages on one channel (``Channel.SMS``) to one
        contact point (the field ``"phone"``)."""
        return give_consent(
            self._k,
            subject_id,
            purpose_id,
            channel=channel,
            evidence=evidence,
            notice_version=notice_version,
            language=language,
            explicit=explicit,
            given_by=given_by,
            at=at,
            contact_channel=contact_channel,
            contact_point=contact_point,
        )

    def withdraw_consent(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        at: datetime | None = None,
        contact_channel: Channel | None = None,
    ) -> list[ConsentWithdrawn]:
        """Withdraw every consent in force for the purpose: one call, as easy as giving it
        (Art. 7(3)). Processing before stays lawful. With ``contact_channel``, those
        that cover that channel (a consent for every channel is withdrawn whole)."""
        return withdraw_consent(
            self._k,
            subject_id,
            purpose_id,
            channel=channel,
            at=at,
            contact_channel=contact_channel,
        )

    def refuse_consent(
        self,
        subject_id: SubjectId,
        purpose_id: str,
        *,
        channel: str,
        notice_version: str | None = None,
        given_by: ConsentGiver = ConsentGiver.SUBJECT,
        at: datetime | None = None,
    ) -> ConsentRefused:
        """Record that a consent was asked for and refused (Art. 7(1), 5(2)): an event in
        the consent history, counted as no consent; values awaiting it go at the next
        sweep; :meth:`may_ask_consent` says when the person may be asked again."""
        return refuse_consent(
            self._k,
            subject_id,
            purpose_id,
            channel=channel,
            notice_version=notice_version,
            given_by=given_by,
            at=at,
        )

    def may_ask_consent(
        self, subject_id: SubjectId, purpose_id: str, at: datetime | None = None
    ) -> bool:
        """Whether the host may ask this person for this consent now: not while one is in
        force, not within the declared ``ask_again_after`` (six months by default) of a
        refusal."""
        return may_ask_consent(self._k, subject_id, purpose_id, at)

    def consent_history(
        self, subject_id: SubjectId, purpose_id: str | None = None
    ) -> list[ConsentEvent]:
        """The subject's consent events (for one purpose, if given), oldest first."""
        return consent_history(self._k, subject_id, purpose_id)

    def consent_receipt(
        self,
        subject_id: SubjectId,
        purpose_id: str | None = None,
        *,
        event_id: uuid.UUID | None = None,
    ) -> str:
        """The signed Kantara v1.1 consent receipt (Art. 7(1)) of one consent event: the
        one with ``event_id``, or the latest (for ``purpose_id`` if given). Its
        ``consentType`` and language are the consent's (a withdrawal's, the consent it
        ends); it needs the declared privacy-policy URL. Verify it with
        :func:`gdprcrm.documents.verify_receipt` and the controller's public key."""
        return consent_receipt(self._k, subject_id, purpose_id, event_id)

    def consents(self, subject_id: SubjectId, purpose_id: str | None = None) -> list[Consent]:
        """The subject's consents (for one purpose, if given), each with its evidence,
        notice version, giver and withdrawal, in order of giving (Art. 7(1), 7(3))."""
        return consents(self._k, subject_id, purpose_id)

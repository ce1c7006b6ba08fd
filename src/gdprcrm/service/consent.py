"""Consent (Art. 6(1)(a), 7, 8): giving and withdrawing, one purpose at a time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    Consent,
    ConsentEvent,
    ConsentGiven,
    ConsentGiver,
    ConsentWithdrawn,
    SubjectId,
    consents_of,
)
from gdprcrm.policy.rights import check_consent
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.notes import check_channel, open_event, seal_evidence

__all__ = ["consent_history", "consents", "give_consent", "withdraw_consent"]


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
) -> ConsentGiven:
    now = k.now(at)
    check_consent(k.declarations.purpose(purpose_id))
    check_channel(channel)
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
    )
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        if now < subject.collected_at:
            raise InvalidInput(
                "give_consent: a consent dated before the person's collection "
                f"({subject.collected_at.isoformat()}) records nothing that happened"
            )
        # The evidence may name the person (an IP, an address): sealed, it goes with them.
        uow.consents.append(
            attrs.evolve(event, evidence=seal_evidence(k.vault, subject_id, dict(event.evidence)))
        )
        if purpose_id not in subject.purposes:
            subject = attrs.evolve(subject, purposes=subject.purposes | {purpose_id})
            uow.subjects.update(subject)
        k.schedule(uow, k.load_state(uow, subject))
        k.audit(
            uow,
            "consent.given",
            subject_id,
            purpose_id,
            at=now,
            details={"given_by": given_by.value, "explicit": explicit},
        )
        uow.commit()
    return event


def withdraw_consent(
    k: Kernel, subject_id: SubjectId, purpose_id: str, *, channel: str, at: datetime | None
) -> list[ConsentWithdrawn]:
    """Art. 7(3): every consent in force for the purpose, withdrawn in one call."""
    now = k.now(at)
    check_channel(channel)
    k.declarations.purpose(purpose_id)
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        state = k.load_state(uow, subject)
        active = [i.consent for i in state.intervals.get(purpose_id, ()) if i.active_at(now)]
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

"""The rights of Art. 15-21: access, portability, rectification, restriction, objection."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from gdprcrm.documents.access import access_report as render_access_report
from gdprcrm.documents.portability import portability_export
from gdprcrm.documents.portability import to_csv as portability_csv
from gdprcrm.errors import InvalidInput, ProcessingRefused, UnknownRecord
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import (
    Channel,
    DetailValue,
    NotificationEvent,
    Objection,
    Restriction,
    RestrictionGround,
    SubjectId,
    SubjectStatus,
    SuppressionEntry,
)
from gdprcrm.policy import decide
from gdprcrm.policy.collection import check_values
from gdprcrm.policy.marketing import check_contact_scope
from gdprcrm.policy.rights import check_objection
from gdprcrm.service import erasure, stored_values
from gdprcrm.service.kernel import BIRTH_DATE_FIELD, Kernel
from gdprcrm.service.notes import open_event, open_request, open_source
from gdprcrm.service.records import RecordView, open_record

__all__ = [
    "EXPORT_FORMATS",
    "access_report",
    "export",
    "lift_restriction",
    "object_to",
    "rectify",
    "restrict",
    "values",
]

EXPORT_FORMATS = ("json", "csv")


def values(
    k: Kernel, subject_id: SubjectId, purpose_id: str | None, at: datetime | None
) -> dict[str, str]:
    """Every value (the Art. 15 path: the person's own copy), or, for a purpose, only the
    values it needs (Art. 5(1)(b)-(c)) once decide() allows the purpose to use them now
    (refused under restriction, objection, withdrawal, erasure), audited (Art. 5(2))."""
    if purpose_id is None:
        with k.storage.unit_of_work(read_only=True) as uow:
            uow.subjects.get(subject_id)  # UnknownRecord for an unknown id
            return stored_values.decrypted(k, uow, subject_id)
    purpose = k.declarations.purpose(purpose_id)
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        state = k.load_state(uow, uow.subjects.get(subject_id))
        decision = decide(state, purpose_id, now, k.declarations, ages=k.ages)
        if not decision.allowed:
            k.audit(
                uow,
                "values.refused",
                subject_id,
                purpose_id,
                at=now,
                details={"reason": decision.reasons[0].code},
            )
            uow.commit()
            raise ProcessingRefused(decision)
        needed = {
            n: v
            for n, v in stored_values.decrypted(k, uow, subject_id).items()
            if n in purpose.field_names
        }
        k.audit(
            uow, "values.read", subject_id, purpose_id, at=now, details={"fields": len(needed)}
        )
        uow.commit()
    return needed


def access_report(k: Kernel, subject_id: SubjectId, at: datetime | None) -> dict[str, Any]:
    """Art. 15, read in one unit of work: the answer reflects one instant (EDPB 01/2022)."""
    now = k.now(at)
    with k.storage.unit_of_work(read_only=True) as uow:
        subject = uow.subjects.get(subject_id)
        state = k.load_state(uow, subject)
        logged = InteractionLog(k.vault).read(uow, subject_id)
        requests = [open_request(k.vault, r) for r in uow.requests.for_subject(subject_id)]
        unreadable: list[str] = []
        stored = stored_values.decrypted(
            k, uow, subject_id, include_birth_date=True, unreadable=unreadable
        )
        born = stored.pop(BIRTH_DATE_FIELD, None)  # apart: not a declared field (Art. 8)
        unreadable = ["birth_date" if n == BIRTH_DATE_FIELD else n for n in unreadable]
        records = (
            []
            if subject.status is SubjectStatus.ERASED  # unreadable rows awaiting deletion
            else [open_record(k, r) for r in uow.records.for_subject(subject_id)]
        )
    interactions = [
        {
            "at": i.interaction.at.isoformat(),
            "kind": i.interaction.kind.value,
            "direction": i.interaction.direction.value,
            "purpose": i.interaction.purpose_id,
            "channel": i.interaction.channel,
            "content": i.content,
        }
        for i in logged
    ]
    state = attrs.evolve(  # the free texts kept about the person, opened for them
        state,
        subject=attrs.evolve(state.subject, source=open_source(k.vault, state.subject)),
        consents=[open_event(k.vault, e) for e in state.consents],
    )
    report = render_access_report(
        state,
        stored,
        k.declarations,
        now,
        interactions=interactions,
        requests=requests,
        records=[_reported(k, r) for r in records],
    )
    report["unreadable"] = sorted(unreadable)  # stored, but damaged: said, not hidden
    report["birth_date"] = born  # kept for the Art. 8 age check, shown by its meaning
    return report


def _reported(k: Kernel, view: RecordView) -> dict[str, Any]:
    """One record in the access report: its data, retention and hold (Art. 15(1)(d))."""
    kind = k.declarations.find_record_kind(view.kind)
    return {
        "id": str(view.id),
        "kind": view.kind,
        "dated": view.dated.isoformat(),
        "kept_until": view.due_at.isoformat(),
        "legal_reference": None if kind is None else kind.retention.legal_reference,
        "readable": view.readable,
        "values": dict(sorted(view.values.items())),
    }


def export(k: Kernel, subject_id: SubjectId, fmt: str, at: datetime | None) -> str:
    """Art. 20: read, render and audit in one unit of work."""
    now = k.now(at)
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput("export(fmt): 'json' or 'csv'")
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get(subject_id)
        views = [open_record(k, r) for r in uow.records.for_subject(subject_id)]
        document = portability_export(
            subject,
            stored_values.decrypted(k, uow, subject_id),
            k.declarations,
            now,
            [(str(v.id), v.kind, v.dated, v.values) for v in views if v.readable],
        )
        k.audit(
            uow,
            "export.made",
            subject_id,
            at=now,
            details={
                "fields": len(document["data"]),
                "records": len(document.get("records", ())),
                "format": fmt,
            },
        )
        uow.commit()
    if fmt == "csv":
        return portability_csv(document)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def rectify(
    k: Kernel, subject_id: SubjectId, new_values: Mapping[str, str], at: datetime | None
) -> tuple[str, ...]:
    """Art. 16, and Art. 19 for the recipients of purposes using a changed field."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        check_values(k.declarations, new_values, subject.purposes)
        fields, index = k.seal(subject, new_values, now, uow.subjects.fields(subject_id))
        uow.subjects.put_fields(fields)
        uow.subjects.put_index(index)
        recipients = k.declarations.recipients_of(subject.purposes, fields=new_values.keys())
        k.notify(uow, subject_id, recipients, NotificationEvent.RECTIFICATION, now)
        k.audit(
            uow,
            "subject.rectified",
            subject_id,
            at=now,
            details={"fields": len(new_values), "recipients": len(recipients)},
        )
        uow.commit()
    return recipients


def restrict(
    k: Kernel, subject_id: SubjectId, ground: RestrictionGround, at: datetime | None
) -> Restriction:
    """Art. 18, and Art. 19 for every recipient of the subject's purposes."""
    now = k.now(at)
    restriction = Restriction(subject_id, ground, now)
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        uow.restrictions.add(restriction)
        recipients = k.declarations.recipients_of(subject.purposes)
        k.notify(uow, subject_id, recipients, NotificationEvent.RESTRICTION, now)
        k.audit(
            uow,
            "restriction.added",
            subject_id,
            at=now,
            details={"ground": ground.name.lower()},
        )
        uow.commit()
    return restriction


def lift_restriction(
    k: Kernel, restriction: Restriction, *, informed_at: datetime, at: datetime | None
) -> Restriction:
    """Art. 18(3): the model refuses lifting before the subject was informed."""
    if not isinstance(restriction, Restriction):
        raise InvalidInput("lift_restriction: expected the Restriction that restrict() returned")
    lifted = restriction.lift(informed_at=informed_at, at=k.now(at))
    with k.storage.unit_of_work() as uow:
        subject = uow.subjects.get_for_update(restriction.subject_id)
        if subject.status is SubjectStatus.ERASED:
            raise UnknownRecord(f"subject {subject.id} was erased")
        uow.restrictions.update(lifted)
        assert lifted.lifted_at is not None
        erasure.hold_lifted(k, uow, subject.id, lifted.lifted_at)
        k.audit(uow, "restriction.lifted", restriction.subject_id, at=lifted.lifted_at)
        uow.commit()
    return lifted


def object_to(
    k: Kernel,
    subject_id: SubjectId,
    purpose_id: str | None,
    *,
    direct_marketing: bool,
    at: datetime | None,
    contact_channel: Channel | None = None,
) -> Objection:
    """Art. 21: an objection the law gives (policy.rights), and the Art. 21(3)
    suppression of the subject's contact points when it concerns direct marketing
    (with ``contact_channel``, of the contact points that channel reaches)."""
    now = k.now(at)
    marketing = direct_marketing
    if purpose_id is not None:
        purpose = k.declarations.purpose(purpose_id)
        check_objection(purpose)
        check_contact_scope(purpose, contact_channel, None, k.declarations, "object")
        marketing = marketing or purpose.direct_marketing
    elif contact_channel is not None and not isinstance(contact_channel, Channel):
        raise InvalidInput("object: contact_channel is a Channel (email, sms, ...)")
    objection = Objection(
        subject_id,
        now,
        purpose_id=purpose_id,
        direct_marketing=direct_marketing,
        contact_channel=contact_channel,
    )
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        uow.objections.add(objection)
        details: dict[str, DetailValue] = {"direct_marketing": direct_marketing}
        if contact_channel is not None:
            details["channel"] = contact_channel.value
        if marketing:  # Art. 21(3): remember the hashed contact points, beyond erasure
            entries, unreadable = stored_values.index_entries(k, uow, subject)
            for kind, digest in entries:
                if contact_channel is None or kind is contact_channel.lookup:
                    uow.suppressions.add(
                        SuppressionEntry(digest, kind, now, channel=contact_channel)
                    )
            if unreadable:
                details["unreadable_contact_points"] = unreadable
        k.audit(uow, "objection.recorded", subject_id, purpose_id, at=now, details=details)
        uow.commit()
    return objection

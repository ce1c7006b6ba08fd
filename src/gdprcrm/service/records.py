"""Records (Art. 5(1)(b), (c), (e), 17): orders, invoices, tickets, any number per person.

Each record is encrypted in its own key scope (the record's id): deleting it, at the
end of its retention or on request, destroys that key, so no earlier copy of the data
store can read it; the subject's other data is not touched. A record kept under a legal
obligation is held against erasure until its own period ends (Art. 17(3)(b)).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from gdprcrm.errors import (
    DecryptionError,
    GdprCrmError,
    InvalidInput,
    LegalHold,
    PurposeLimitation,
    SubjectErased,
    UnknownRecord,
)
from gdprcrm.model import Record, RecordId, SubjectId, SubjectStatus
from gdprcrm.model._checks import check_aware
from gdprcrm.policy.records import check_record_values, record_due, serving_purposes
from gdprcrm.service.kernel import Kernel
from gdprcrm.storage.protocols import UnitOfWork
from gdprcrm.vault import ErasureCertificate

__all__ = [
    "RecordOperations",
    "RecordView",
    "add_record",
    "delete_record",
    "get_record",
    "list_records",
    "open_record",
    "update_record",
]


@attrs.frozen
class RecordView:
    """A record as its controller reads it: ids, dates and decrypted values.

    ``held`` says that an Art. 17(3)(b) legal period keeps it against erasure until
    ``due_at``. ``readable`` is False when its ciphertext could not be decrypted (the
    values are then empty): a damaged record never hides the others.
    """

    id: RecordId
    subject_id: SubjectId
    kind: str
    dated: datetime
    due_at: datetime
    held: bool
    values: Mapping[str, str] = attrs.field(repr=False)
    created_at: datetime
    updated_at: datetime
    readable: bool = True


def _field(kind: str) -> str:
    return f"record.{kind}"


def _seal(
    k: Kernel, record_id: RecordId, sid: SubjectId, kind: str, values: Mapping[str, str]
) -> bytes:
    plain = json.dumps(dict(values), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return k.vault.encrypt_scoped(sid, record_id.value, _field(kind), plain, record_id.value)


def open_record(k: Kernel, record: Record) -> RecordView:
    """Decrypt one stored record (values empty and ``readable`` False if it cannot be)."""
    kind = k.declarations.find_record_kind(record.kind)
    held = kind is not None and kind.retention.is_legal_hold
    try:
        plain = k.vault.decrypt(
            record.subject_id, _field(record.kind), record.ciphertext, record.id.value
        )
        values: dict[str, str] = json.loads(plain)
        readable = True
    except (DecryptionError, SubjectErased, ValueError):
        values, readable = {}, False
    return RecordView(
        record.id,
        record.subject_id,
        record.kind,
        record.dated,
        record.due_at,
        held,
        values,
        record.created_at,
        record.updated_at,
        readable,
    )


def add_record(
    k: Kernel,
    subject_id: SubjectId,
    kind_id: str,
    values: Mapping[str, str],
    *,
    dated: datetime | None,
    at: datetime | None,
) -> RecordId:
    """Keep one more record of ``kind_id`` for the subject (Art. 5(1)(b), (c), (e))."""
    now = k.now(at)
    day = now if dated is None else check_aware(dated, "dated")
    kind = k.declarations.record_kind(kind_id)
    check_record_values(kind, values, partial=False)
    due = record_due(k.declarations, kind, day)
    if due <= now:
        raise InvalidInput(
            f"a {kind.id} dated {day.date().isoformat()} is past its retention period "
            f"(it ended {due.date().isoformat()}, Art. 5(1)(e)): it may not be kept"
        )
    record_id = RecordId.new()
    try:
        with k.storage.unit_of_work() as uow:
            subject = k.active(uow, subject_id)
            serving = serving_purposes(kind, subject.purposes)
            if not serving:
                raise PurposeLimitation(
                    f"subject {subject_id} was collected for none of the purposes of "
                    f"{kind.id!r} ({sorted(kind.purposes)}, Art. 5(1)(b)); add_purposes first"
                )
            ciphertext = _seal(k, record_id, subject_id, kind.id, values)
            uow.records.add(Record(record_id, subject_id, kind.id, day, now, now, due, ciphertext))
            k.audit(
                uow,
                "record.added",
                subject_id,
                at=now,
                details={"kind": kind.id, "record": str(record_id), "fields": len(values)},
            )
            uow.commit()
    except BaseException:
        # Nothing of this record was committed: its key scope (if made) goes.
        with contextlib.suppress(GdprCrmError):
            k.vault.shred_scopes(subject_id, [record_id.value])
        raise
    return record_id


def list_records(k: Kernel, subject_id: SubjectId, kind_id: str | None) -> list[RecordView]:
    """The subject's records (of one kind, or all), oldest first, decrypted."""
    if kind_id is not None:
        k.declarations.record_kind(kind_id)  # UnknownRecordKind for a typo
    with k.storage.unit_of_work(read_only=True) as uow:
        subject = uow.subjects.get(subject_id)
        if subject.status is SubjectStatus.ERASED:
            raise UnknownRecord(f"subject {subject_id} was erased")
        stored = uow.records.for_subject(subject_id, kind_id)
    return [open_record(k, r) for r in stored]


def get_record(k: Kernel, record_id: RecordId) -> RecordView:
    with k.storage.unit_of_work(read_only=True) as uow:
        record = uow.records.get(record_id)
        if uow.subjects.get(record.subject_id).status is SubjectStatus.ERASED:
            raise UnknownRecord(f"no record {record_id}")  # erased with its subject
        return open_record(k, record)


def update_record(
    k: Kernel,
    record_id: RecordId,
    values: Mapping[str, str],
    *,
    dated: datetime | None,
    at: datetime | None,
) -> None:
    """Change some of a record's values (and its date): re-encrypted in the same scope,
    its retention recomputed, audited. A record whose values cannot be read is
    replaced only by a complete set of values."""
    now = k.now(at)
    day = None if dated is None else check_aware(dated, "dated")
    with k.storage.unit_of_work() as uow:
        stored = uow.records.get(record_id)
        k.active(uow, stored.subject_id)
        kind = k.declarations.record_kind(stored.kind)
        check_record_values(kind, values, partial=True)
        current = open_record(k, stored)
        merged = {**current.values, **values}
        if not current.readable and set(values) != kind.field_names:
            raise InvalidInput(
                f"record {record_id} cannot be read: give every field of {kind.id!r} to replace it"
            )
        new_day = stored.dated if day is None else day
        due = record_due(k.declarations, kind, new_day)
        ciphertext = _seal(k, record_id, stored.subject_id, kind.id, merged)
        uow.records.update(
            attrs.evolve(stored, dated=new_day, updated_at=now, due_at=due, ciphertext=ciphertext)
        )
        k.audit(
            uow,
            "record.updated",
            stored.subject_id,
            at=now,
            details={"kind": kind.id, "record": str(record_id), "fields": len(values)},
        )
        uow.commit()


def delete_record(k: Kernel, record_id: RecordId, *, at: datetime | None) -> ErasureCertificate:
    """Erase one record (Art. 17): its row goes and its key scope is destroyed, so no
    copy of it anywhere can be read; refused while a legal period holds it (17(3)(b))."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        stored = uow.records.get(record_id)
        owner = uow.subjects.get_for_update(stored.subject_id)
        if owner.status is SubjectStatus.ERASED:  # unreadable; the sweep removes the row
            raise UnknownRecord(f"no record {record_id}")
        kind = k.declarations.find_record_kind(stored.kind)
        if kind is not None and kind.retention.is_legal_hold and stored.due_at > now:
            raise LegalHold(
                f"record {record_id} is kept under {kind.retention.legal_reference} until "
                f"{stored.due_at.date().isoformat()} (Art. 17(3)(b))"
            )
        certificate = erase_records(k, uow, stored.subject_id, [stored], now, "record.deleted")
        uow.commit()
    k.storage.purge()
    return certificate


def erase_records(
    k: Kernel,
    uow: UnitOfWork,
    subject_id: SubjectId,
    records: list[Record],
    now: datetime,
    action: str,
) -> ErasureCertificate:
    """In ``uow``: delete ``records`` and destroy their key scopes (the shred first: if
    the unit then fails, a retry finds the rows and shreds again harmlessly), keep the
    tombstones in the data store for restores, audit with the certificate."""
    certificate = k.shred_scopes(uow, subject_id, [r.id.value for r in records])
    for record in records:
        uow.records.delete(record.id)
    k.audit(uow, action, subject_id, at=now, details=erased_details(records, certificate))
    return certificate


def erased_details(
    records: Sequence[Record], certificate: ErasureCertificate
) -> dict[str, str | int | None]:
    """The details of an entry saying some of a subject's records were erased."""
    return {
        "records": len(records),
        "kind": records[0].kind if len(records) == 1 else None,
        "certificate": str(certificate.certificate_id),
    }


class RecordOperations:
    """The records half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def add_record(
        self,
        subject_id: SubjectId,
        kind: str,
        values: Mapping[str, str],
        *,
        dated: datetime | None = None,
        at: datetime | None = None,
    ) -> RecordId:
        """Keep one record of a declared kind (an order, an invoice) for the subject: only
        the kind's fields (Art. 5(1)(c)), only for a subject collected for one of its
        purposes (5(1)(b)), kept until its own retention ends, counted from ``dated``
        (default: now) or from the close of that financial year (5(1)(e)). Encrypted in
        the record's own key scope; audited. Returns the record's opaque id."""
        return add_record(self._k, subject_id, kind, values, dated=dated, at=at)

    def records(self, subject_id: SubjectId, kind: str | None = None) -> list[RecordView]:
        """The subject's records (of one kind, or all), oldest first, decrypted."""
        return list_records(self._k, subject_id, kind)

    def record(self, record_id: RecordId) -> RecordView:
        """One record, decrypted; UnknownRecord if there is none (or it was erased)."""
        return get_record(self._k, record_id)

    def update_record(
        self,
        record_id: RecordId,
        values: Mapping[str, str],
        *,
        dated: datetime | None = None,
        at: datetime | None = None,
    ) -> None:
        """Change some of a record's values (and its date, which moves its retention);
        audited. An ordinary business update, not an Art. 16 rectification."""
        update_record(self._k, record_id, values, dated=dated, at=at)

    def delete_record(
        self, record_id: RecordId, *, at: datetime | None = None
    ) -> ErasureCertificate:
        """Erase one record (Art. 17): its key scope is destroyed, so no copy of it in any
        backup can be read; returns the signed certificate. Refused (LegalHold)
        while a legal period holds it (Art. 17(3)(b))."""
        return delete_record(self._k, record_id, at=at)

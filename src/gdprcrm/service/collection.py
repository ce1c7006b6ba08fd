"""Collection (Art. 5(1)(b)-(c), 9, 13, 14, 21(3)): storing a new person's values."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from gdprcrm.deadlines import request_due
from gdprcrm.errors import GdprCrmError, InvalidInput, Suppressed
from gdprcrm.model import (
    AgeAttestation,
    BlindIndexEntry,
    DataSource,
    Lookup,
    PersonalField,
    Subject,
    SubjectId,
)
from gdprcrm.policy import SubjectState
from gdprcrm.policy.collection import check_purposes, check_values, suppression_applies
from gdprcrm.service.kernel import BIRTH_DATE_FIELD, Kernel
from gdprcrm.storage.protocols import UnitOfWork

__all__ = ["add_subject", "find_subject", "get_subject"]


def add_subject(
    k: Kernel,
    values: Mapping[str, str],
    jurisdiction: str,
    purposes: Iterable[str],
    *,
    source: DataSource | None,
    birth_date: date | None,
    attested_age: AgeAttestation | None,
    at: datetime | None,
) -> SubjectId:
    now = k.now(at)
    try:
        chosen = check_purposes(k.declarations, purposes)
    except InvalidInput as exc:
        raise type(exc)(f"add_subject: {exc}") from None
    check_values(k.declarations, values, chosen)
    if birth_date is not None and (
        not isinstance(birth_date, date) or isinstance(birth_date, datetime)
    ):
        raise InvalidInput("birth_date: expected a date")
    subject = Subject(
        SubjectId.new(),
        jurisdiction,
        now,
        purposes=frozenset(chosen),
        attested_age=attested_age,
        source=source,
    )
    sid = subject.id
    art14_due = None
    if source is not None:  # Art. 14(3)(a): inform within one month at the latest
        art14_due = request_due(now, tz=k.tz, calendar=k.calendar)
    # Everything that can refuse the collection is checked before the subject's key
    # exists: no orphan key, tombstone or certificate for someone never collected.
    index = k.blind_indexes(sid, values)
    suppressed = suppression_applies(k.declarations, chosen)
    if suppressed:
        with k.storage.unit_of_work(read_only=True) as uow:
            _check_suppressions(uow, index)
    try:
        fields, index = k.seal(sid, values, now)
        if birth_date is not None:
            encrypted = k.vault.encrypt(sid, BIRTH_DATE_FIELD, birth_date.isoformat())
            fields.append(PersonalField(sid, BIRTH_DATE_FIELD, encrypted, now))
        with k.storage.unit_of_work() as uow:
            if suppressed:  # again, in the writing unit: an objection may have just landed
                _check_suppressions(uow, index)
            uow.subjects.add(subject)
            uow.subjects.put_fields(fields)
            uow.subjects.put_index(index)
            k.schedule(uow, SubjectState(subject))
            k.audit(
                uow,
                "subject.added",
                sid,
                at=now,
                details={
                    "purposes": len(chosen),
                    "fields": len(values),
                    "indirect": source is not None,
                    "art14_due": None if art14_due is None else art14_due.date().isoformat(),
                },
            )
            uow.commit()
    except BaseException:
        # Nothing of this subject was committed: drop the key made for it.
        with contextlib.suppress(GdprCrmError):
            k.vault.shred(sid)
        raise
    return sid


def _check_suppressions(uow: UnitOfWork, index: Iterable[BlindIndexEntry]) -> None:
    """Art. 21(3): a contact point that objected to direct marketing is not collected
    for it again (its hash outlives the erasure)."""
    for entry in index:
        if uow.suppressions.contains(entry.kind, entry.digest):
            raise Suppressed(
                f"field {entry.field!r}: this contact point objected to direct marketing "
                "(Art. 21(3)); it cannot be collected for it again"
            )


def find_subject(k: Kernel, *, email: str | None, phone: str | None) -> list[SubjectId]:
    if (email is None) == (phone is None):
        raise InvalidInput("find_subject: give exactly one of email or phone")
    kind, value = (Lookup.EMAIL, email) if email is not None else (Lookup.PHONE, phone)
    assert value is not None
    digest = k.vault.blind_index(kind, value)
    with k.storage.unit_of_work(read_only=True) as uow:
        return uow.subjects.find_by_index(kind, digest)


def get_subject(k: Kernel, subject_id: SubjectId) -> Subject:
    with k.storage.unit_of_work(read_only=True) as uow:
        return uow.subjects.get(subject_id)

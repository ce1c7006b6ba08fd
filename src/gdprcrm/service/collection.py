"""Collection (Art. 5(1)(b)-(c), 9, 13, 14, 21(3)): storing a new person's values."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime

import attrs

from gdprcrm.contact_points import phone_region
from gdprcrm.deadlines import request_due
from gdprcrm.errors import GdprCrmError, InvalidInput, PurposeLimitation, Suppressed
from gdprcrm.model import (
    AgeAttestation,
    BlindIndexEntry,
    Channel,
    ConsentGrant,
    DataSource,
    InformationDuty,
    Lookup,
    Objection,
    PersonalField,
    Subject,
    SubjectId,
)
from gdprcrm.model._checks import check_date, shown
from gdprcrm.personal_data import check_free_text
from gdprcrm.policy import SubjectState
from gdprcrm.policy.collection import (
    check_purposes,
    check_values,
    suppressed_channels,
    suppression_applies,
)
from gdprcrm.policy.marketing import check_contact_scope
from gdprcrm.policy.rights import check_consent
from gdprcrm.service import stored_values
from gdprcrm.service.consent import record_given
from gdprcrm.service.kernel import BIRTH_DATE_FIELD, Kernel
from gdprcrm.service.notes import check_channel, seal_source
from gdprcrm.storage.protocols import UnitOfWork

__all__ = [
    "add_purposes",
    "add_subject",
    "find_subject",
    "get_subject",
    "update_values",
]


def add_subject(
    k: Kernel,
    values: Mapping[str, str],
    jurisdiction: str,
    purposes: Iterable[str],
    *,
    source: DataSource | None,
    birth_date: date | None,
    attested_age: AgeAttestation | None,
    consents: Iterable[ConsentGrant] = (),
    at: datetime | None,
) -> SubjectId:
    now = k.now(at)
    chosen, grants = _checked(k, values, purposes, consents, birth_date, attested_age, now)
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
    index = k.blind_indexes(subject, values, legacy=True)
    suppressed = suppression_applies(k.declarations, chosen)
    if suppressed:
        with k.storage.unit_of_work(read_only=True) as uow:
            _check_suppressions(k, uow, index, chosen)
    try:
        if source is not None:  # free text (a list's name, a partner): sealed like a value
            subject = attrs.evolve(subject, source=seal_source(k.vault, sid, source))
        probes = index
        fields, index = _seal_new(k, subject, values, birth_date, now)
        with k.storage.unit_of_work() as uow:
            carried: frozenset[Channel] = frozenset()
            if suppressed:  # again, in the writing unit: an objection may have just landed
                carried = _check_suppressions(k, uow, probes, chosen)
            uow.subjects.add(subject)
            _carry_objections(k, uow, sid, carried, now)
            if art14_due is not None:  # Art. 14(3): the information owed, as a queue
                uow.duties.add(InformationDuty(sid, now, art14_due))
            uow.subjects.put_fields(fields)
            uow.subjects.put_index(index)
            version = k.declarations.notices[-1].version  # Art. 13: what was shown
            given = [g.given(sid, now, version) for g in grants]
            k.schedule(uow, SubjectState(subject, given))
            details = {
                "purposes": len(chosen),
                "fields": len(values),
                "indirect": source is not None,
                "art14_due": None if art14_due is None else art14_due.date().isoformat(),
                "consents": len(given),
            }
            k.audit(uow, "subject.added", sid, at=now, details=details)
            for event in given:  # Art. 7(1): in the same act as the collection
                record_given(k, uow, event)
            uow.commit()
    except BaseException:
        # Nothing of this subject was committed: drop the key made for it.
        with contextlib.suppress(GdprCrmError):
            k.vault.shred(sid)
        raise
    return sid


def _checked(
    k: Kernel,
    values: Mapping[str, str],
    purposes: Iterable[str],
    consents: Iterable[ConsentGrant],
    birth_date: date | None,
    attested_age: AgeAttestation | None,
    now: datetime,
) -> tuple[tuple[str, ...], list[ConsentGrant]]:
    """A collection's input checked before anything is made (Art. 5(1)(b), (c), 7, 8):
    its declared purposes, sorted and unique, and the consents given with it."""
    try:
        chosen = check_purposes(k.declarations, purposes)
    except InvalidInput as exc:
        raise type(exc)(f"add_subject: {exc}") from None
    check_values(k.declarations, values, chosen)
    grants = _check_grants(k, consents, chosen)
    _check_attestation(k, attested_age, now)
    if birth_date is not None:
        check_date(birth_date, "birth_date")
    return chosen, grants


def _check_attestation(k: Kernel, attested: object, now: datetime) -> None:
    """Art. 5(1)(c): an age attestation's method is kept in clear with the subject."""
    if isinstance(attested, AgeAttestation):
        check_free_text(
            attested.method, "attested_age.method", at=now.date(), region=k.chain.region
        )


def _seal_new(
    k: Kernel, subject: Subject, values: Mapping[str, str], birth_date: date | None, now: datetime
) -> tuple[list[PersonalField], list[BlindIndexEntry]]:
    """A new person's values sealed (the birth date in a scope of its own: it goes at any
    erasure's first step), every key created in one key-store commit."""
    sid = subject.id
    birth_scope = uuid.uuid4()
    extra = [birth_scope] if birth_date is not None else []
    fields, index = k.seal(subject, values, now, extra_scopes=extra)
    if birth_date is not None:
        encrypted = k.vault.encrypt_scoped(
            sid, birth_scope, BIRTH_DATE_FIELD, birth_date.isoformat()
        )
        fields.append(PersonalField(sid, BIRTH_DATE_FIELD, encrypted, now))
    return fields, index


def _check_grants(
    k: Kernel, consents: Iterable[ConsentGrant], chosen: Iterable[str]
) -> list[ConsentGrant]:
    """The consents given with a collection: each for one of its purposes, which rests
    on consent (Art. 6(1)(a), 7(2): one per purpose), through a coded channel."""
    if isinstance(consents, ConsentGrant | str) or not isinstance(consents, Iterable):
        raise InvalidInput("consents: give a list of ConsentGrant")
    grants = list(consents)
    seen: set[tuple[str, Channel | None, str | None]] = set()
    for grant in grants:
        if not isinstance(grant, ConsentGrant):
            raise InvalidInput("consents: expected ConsentGrant items")
        if grant.purpose_id not in chosen:
            raise PurposeLimitation(
                f"consents: {shown(grant.purpose_id)} is not a purpose of this collection"
            )
        scope = (grant.purpose_id, grant.contact_channel, grant.contact_point)
        if scope in seen:
            raise InvalidInput(f"consents: {shown(grant.purpose_id)} given twice")
        seen.add(scope)
        purpose = k.declarations.purpose(grant.purpose_id)
        check_consent(purpose)
        check_channel(grant.channel, "consents: channel")
        check_contact_scope(
            purpose, grant.contact_channel, grant.contact_point, k.declarations, "consents"
        )
    return grants


def _check_suppressions(
    k: Kernel, uow: UnitOfWork, index: Iterable[BlindIndexEntry], purposes: Iterable[str]
) -> frozenset[Channel]:
    """Art. 21(3): a contact point that objected to direct marketing is not collected
    for it again (its hash outlives the erasure); one that objected to some channels
    only is, with those channels stopped: they are returned, to be recorded."""
    chosen = [k.declarations.purpose(p) for p in purposes]
    carried: set[Channel] = set()
    for entry in index:
        scopes = uow.suppressions.scopes(entry.kind, entry.digest)
        if not scopes:
            continue
        stopped = suppressed_channels(scopes, entry.kind, chosen)
        if stopped is None:
            raise Suppressed(
                f"field {entry.field!r}: this contact point objected to direct marketing "
                "(Art. 21(3)); it cannot be collected for it again"
            )
        carried |= stopped
    return frozenset(carried)


def _carry_new(
    k: Kernel, uow: UnitOfWork, subject_id: SubjectId, channels: Iterable[Channel], now: datetime
) -> None:
    """As :func:`_carry_objections`, for the channels the subject has not objected to."""
    held = {o.contact_channel for o in uow.objections.for_subject(subject_id)}
    _carry_objections(k, uow, subject_id, [c for c in channels if c not in held], now)


def _carry_objections(
    k: Kernel, uow: UnitOfWork, subject_id: SubjectId, channels: Iterable[Channel], now: datetime
) -> None:
    """Art. 21(3): the channels a re-collected contact point objected to stay stopped
    for the new record (an objection to direct marketing on each)."""
    for channel in sorted(channels, key=lambda c: c.value):
        uow.objections.add(
            Objection(subject_id, now, direct_marketing=True, contact_channel=channel)
        )
        k.audit(uow, "objection.carried", subject_id, at=now, details={"channel": channel.value})


def find_subject(
    k: Kernel, *, email: str | None, phone: str | None, country: str | None = None
) -> list[SubjectId]:
    if (email is None) == (phone is None):
        raise InvalidInput("find_subject: give exactly one of email or phone")
    kind, value = (Lookup.EMAIL, email) if email is not None else (Lookup.PHONE, phone)
    assert value is not None
    if country is not None and not isinstance(country, str):
        raise InvalidInput("find_subject: country is an ISO 3166 code such as 'FR'")
    home = phone_region(k.declarations.controller.establishment)
    digest = k.vault.blind_index(kind, value, phone_region(country, home))
    with k.storage.unit_of_work(read_only=True) as uow:
        return uow.subjects.find_by_index(kind, digest)


def get_subject(k: Kernel, subject_id: SubjectId) -> Subject:
    with k.storage.unit_of_work(read_only=True) as uow:
        return uow.subjects.get(subject_id)


def update_values(
    k: Kernel, subject_id: SubjectId, values: Mapping[str, str], at: datetime | None
) -> None:
    """An ordinary change of the subject's values (a new address, a new order): checked
    against minimisation (Art. 5(1)(c)), re-encrypted and re-indexed, audited. Not an
    Art. 16 rectification: no Art. 19 notices (see :func:`gdprcrm.service.rights.rectify`)."""
    now = k.now(at)
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        check_values(k.declarations, values, subject.purposes)
        if suppression_applies(k.declarations, subject.purposes):
            index = k.blind_indexes(subject, values, legacy=True)
            carried = _check_suppressions(k, uow, index, subject.purposes)
            _carry_new(k, uow, subject_id, carried, now)
        fields, index = k.seal(subject, values, now, uow.subjects.fields(subject_id))
        uow.subjects.put_fields(fields)
        uow.subjects.put_index(index)
        k.audit(uow, "subject.updated", subject_id, at=now, details={"fields": len(values)})
        uow.commit()


def add_purposes(
    k: Kernel,
    subject_id: SubjectId,
    purposes: Iterable[str],
    values: Mapping[str, str] | None,
    at: datetime | None,
) -> frozenset[str]:
    """Collect for further purposes (a prospect who becomes a customer): the purposes
    declared (Art. 5(1)(b)), the values they need and nothing else (5(1)(c)), the
    suppression list for direct marketing (21(3)), the retention schedule updated."""
    now = k.now(at)
    added = check_purposes(k.declarations, purposes)
    if values is not None and not isinstance(values, Mapping):
        raise InvalidInput("add_purposes(values): expected a mapping of field names to text")
    given = dict(values or {})
    with k.storage.unit_of_work() as uow:
        subject = k.active(uow, subject_id)
        every = subject.purposes | frozenset(added)
        check_values(k.declarations, given, every)
        new = frozenset(added) - subject.purposes
        index = k.blind_indexes(subject, given, legacy=True)
        if suppression_applies(k.declarations, new):  # Art. 21(3), stored contact points too
            stored, _ = stored_values.index_entries(k, uow, subject, legacy=True)
            known = [BlindIndexEntry(subject_id, "stored", kind, d) for kind, d in stored]
            carried = _check_suppressions(k, uow, [*index, *known], new)
            _carry_new(k, uow, subject_id, carried, now)
        if given:
            fields, index = k.seal(subject, given, now, uow.subjects.fields(subject_id))
            uow.subjects.put_fields(fields)
            uow.subjects.put_index(index)
        subject = attrs.evolve(subject, purposes=every)
        uow.subjects.update(subject)
        k.schedule(uow, k.load_state(uow, subject))
        k.audit(
            uow,
            "subject.purposes-added",
            subject_id,
            at=now,
            details={
                "purposes": len(new),
                "fields": len(given),
                "notice": k.declarations.notices[-1].version,  # Art. 13: what was shown
            },
        )
        uow.commit()
    return every

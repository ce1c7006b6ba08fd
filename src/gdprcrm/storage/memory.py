"""The in-memory adapter: the reference implementation and the oracle of the differential
tests. Correct and simple rather than fast: fine for tests and demos, not for millions of
records (its queries scan).

Units of work are serialised by one lock (like SQLite's single writer); writes go to an
overlay that is applied on commit and dropped on rollback.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from gdprcrm.errors import (
    DuplicateRecord,
    IntegrityError,
    InterfaceError,
    NestedUnitOfWork,
    ReadOnlyUnit,
)
from gdprcrm.model import (
    AuditEntry,
    BlindIndexEntry,
    Breach,
    Channel,
    ConsentEvent,
    DataSubjectRequest,
    InformationDuty,
    Interaction,
    Lookup,
    NoticeVersion,
    Objection,
    PendingErasure,
    PersonalField,
    RecipientNotification,
    Record,
    RecordId,
    Restriction,
    RetentionDue,
    Subject,
    SubjectId,
    SuppressionEntry,
)
from gdprcrm.storage import protocols as p
from gdprcrm.storage._memory_lists import (
    MemoryCertificates,
    MemoryDuties,
    MemoryNotices,
    MemorySuppressions,
)
from gdprcrm.storage._memory_records import MemoryRecords
from gdprcrm.storage._overlay import Overlay as _Overlay
from gdprcrm.vault.certificate import ErasureCertificate
from gdprcrm.vault.keystore import KeyStore, MemoryKeyStore, Tombstone

__all__ = ["MemoryStorage"]

V = TypeVar("V")


class _Data:
    """The committed state."""

    def __init__(self) -> None:
        self.subjects: dict[SubjectId, Subject] = {}
        self.fields: dict[tuple[SubjectId, str], PersonalField] = {}
        self.index: dict[tuple[SubjectId, str], BlindIndexEntry] = {}
        self.consents: dict[uuid.UUID, ConsentEvent] = {}
        self.objections: dict[uuid.UUID, Objection] = {}
        self.restrictions: dict[uuid.UUID, Restriction] = {}
        self.requests: dict[uuid.UUID, DataSubjectRequest] = {}
        self.interactions: dict[uuid.UUID, Interaction] = {}
        self.audit: dict[int, AuditEntry] = {}
        self.breaches: dict[uuid.UUID, Breach] = {}
        self.retention: dict[tuple[SubjectId, str], RetentionDue] = {}
        self.suppressions: dict[tuple[Lookup, bytes, Channel | None], SuppressionEntry] = {}
        self.notifications: dict[uuid.UUID, RecipientNotification] = {}
        self.erasures: dict[SubjectId, PendingErasure] = {}
        self.tombstones: dict[SubjectId, Tombstone] = {}
        self.certificates: dict[uuid.UUID, ErasureCertificate] = {}
        self.records: dict[RecordId, Record] = {}
        self.notices: dict[int, NoticeVersion] = {}
        self.duties: dict[SubjectId, InformationDuty] = {}


class _Subjects(p.SubjectRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add_many(self, subjects: Sequence[Subject]) -> None:
        table = self._u.table("subjects")
        for subject in subjects:
            if subject.id in table:
                raise DuplicateRecord(f"subject {subject.id} exists")
        for subject in subjects:
            table.put(subject.id, subject)

    def _find(self, subject_id: SubjectId, *, for_update: bool) -> Subject | None:
        if for_update and self._u.read_only:
            raise ReadOnlyUnit("get_for_update in a read-only unit of work")
        return self._u.table("subjects").get(subject_id)

    def _update(self, subject: Subject) -> bool:
        table = self._u.table("subjects")
        if subject.id not in table:
            return False
        table.put(subject.id, subject)
        return True

    def _count(self) -> int:
        return sum(1 for _ in self._u.table("subjects").values())

    def _ids(self, after: SubjectId | None, limit: int) -> Iterable[SubjectId]:
        start = b"" if after is None else after.bytes
        found = sorted(s.id.bytes for s in self._u.table("subjects").values())
        return [SubjectId(uuid.UUID(bytes=b)) for b in found if b > start][:limit]

    def _put_fields(self, fields: Sequence[PersonalField]) -> None:
        subjects = self._u.table("subjects")
        for f in fields:
            if f.subject_id not in subjects:
                raise IntegrityError(f"field for unknown subject {f.subject_id}")
        table = self._u.table("fields")
        for f in fields:
            table.put((f.subject_id, f.name), f)

    def _fields(
        self, subject_id: SubjectId, names: frozenset[str] | None
    ) -> Iterable[PersonalField]:
        return self._u.table("fields").where(
            lambda f: f.subject_id == subject_id and (names is None or f.name in names)
        )

    def _delete_fields(self, subject_id: SubjectId, names: frozenset[str] | None) -> int:
        table = self._u.table("fields")
        doomed = [(f.subject_id, f.name) for f in self._fields(subject_id, names)]
        for key in doomed:
            table.delete(key)
        return len(doomed)

    def _put_index(self, entries: Sequence[BlindIndexEntry]) -> None:
        subjects = self._u.table("subjects")
        for e in entries:
            if e.subject_id not in subjects:
                raise IntegrityError(f"index entry for unknown subject {e.subject_id}")
        table = self._u.table("index")
        for e in entries:
            table.put((e.subject_id, e.field), e)

    def _find_by_index(self, kind: Lookup, digest: bytes) -> Iterable[SubjectId]:
        found = self._u.table("index").where(lambda e: e.kind is kind and e.digest == digest)
        return {e.subject_id for e in found}

    def _delete_index(self, subject_id: SubjectId) -> int:
        return self._drop_index(subject_id, None)

    def _delete_index_fields(self, subject_id: SubjectId, fields: frozenset[str]) -> int:
        return self._drop_index(subject_id, fields)

    def _drop_index(self, subject_id: SubjectId, fields: frozenset[str] | None) -> int:
        table = self._u.table("index")
        doomed = [
            (e.subject_id, e.field)
            for e in table.values()
            if e.subject_id == subject_id and (fields is None or e.field in fields)
        ]
        for key in doomed:
            table.delete(key)
        return len(doomed)


def _unique(table: _Overlay[Any, V], key: uuid.UUID | SubjectId, value: V, what: str) -> None:
    if key in table:
        raise DuplicateRecord(f"{what} {key} exists")
    table.put(key, value)


class _Consents(p.ConsentRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _append(self, event: ConsentEvent) -> None:
        _unique(self._u.table("consents"), event.id, event, "consent event")

    def _history(
        self, subject_id: SubjectId, purpose_id: str | None, until: datetime | None
    ) -> Iterable[ConsentEvent]:
        return self._u.table("consents").where(
            lambda e: (
                e.subject_id == subject_id
                and (purpose_id is None or e.purpose_id == purpose_id)
                and (until is None or e.at <= until)
            )
        )


class _Objections(p.ObjectionRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, objection: Objection) -> None:
        _unique(self._u.table("objections"), objection.id, objection, "objection")

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Objection]:
        return self._u.table("objections").where(lambda o: o.subject_id == subject_id)


class _Restrictions(p.RestrictionRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, restriction: Restriction) -> None:
        _unique(self._u.table("restrictions"), restriction.id, restriction, "restriction")

    def _update(self, restriction: Restriction) -> bool:
        table = self._u.table("restrictions")
        if restriction.id not in table:
            return False
        table.put(restriction.id, restriction)
        return True

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Restriction]:
        return self._u.table("restrictions").where(lambda r: r.subject_id == subject_id)


class _Requests(p.RequestRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, request: DataSubjectRequest) -> None:
        _unique(self._u.table("requests"), request.id, request, "request")

    def _get(self, request_id: uuid.UUID) -> DataSubjectRequest | None:
        return self._u.table("requests").get(request_id)

    def _update(self, request: DataSubjectRequest) -> bool:
        table = self._u.table("requests")
        if request.id not in table:
            return False
        table.put(request.id, request)
        return True

    def _for_subject(self, subject_id: SubjectId) -> Iterable[DataSubjectRequest]:
        return self._u.table("requests").where(lambda r: r.subject_id == subject_id)

    def _open_by_due(self, limit: int) -> Iterable[DataSubjectRequest]:
        return self._u.table("requests").where(p.is_open)


class _Interactions(p.InteractionRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, interaction: Interaction) -> None:
        _unique(self._u.table("interactions"), interaction.id, interaction, "interaction")

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Interaction]:
        return self._u.table("interactions").where(lambda i: i.subject_id == subject_id)

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        table = self._u.table("interactions")
        doomed = [i.id for i in table.values() if i.subject_id == subject_id]
        for key in doomed:
            table.delete(key)
        return len(doomed)


class _Audit(p.AuditRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _head(self, *, for_update: bool) -> AuditEntry | None:
        table = self._u.table("audit")
        keys = [k for k, _ in table.items()]
        return table.get(max(keys)) if keys else None

    def _append(self, entry: AuditEntry) -> None:
        self._u.table("audit").put(entry.sequence, entry)

    def _range(self, start: int, stop: int | None) -> Iterable[AuditEntry]:
        return self._u.table("audit").where(
            lambda e: e.sequence >= start and (stop is None or e.sequence < stop)
        )


class _Breaches(p.BreachRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, breach: Breach) -> None:
        _unique(self._u.table("breaches"), breach.id, breach, "breach")

    def _get(self, breach_id: uuid.UUID) -> Breach | None:
        return self._u.table("breaches").get(breach_id)

    def _update(self, breach: Breach) -> bool:
        table = self._u.table("breaches")
        if breach.id not in table:
            return False
        table.put(breach.id, breach)
        return True

    def _all(self) -> Iterable[Breach]:
        return list(self._u.table("breaches").values())


class _Retention(p.RetentionRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _schedule(self, entries: Sequence[RetentionDue]) -> None:
        table = self._u.table("retention")
        for e in entries:
            table.put((e.subject_id, e.purpose_id), e)

    def _due_before(self, at: datetime, limit: int) -> Iterable[RetentionDue]:
        return self._u.table("retention").where(lambda d: d.due_at <= at)

    def _for_subject(self, subject_id: SubjectId) -> Iterable[RetentionDue]:
        return self._u.table("retention").where(lambda d: d.subject_id == subject_id)

    def _clear(self, subject_id: SubjectId, purpose_id: str | None) -> int:
        table = self._u.table("retention")
        doomed = [
            (d.subject_id, d.purpose_id)
            for d in table.values()
            if d.subject_id == subject_id and (purpose_id is None or d.purpose_id == purpose_id)
        ]
        for key in doomed:
            table.delete(key)
        return len(doomed)


class _Notifications(p.NotificationRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, notification: RecipientNotification) -> None:
        _unique(self._u.table("notifications"), notification.id, notification, "notification")

    def _get(self, notification_id: uuid.UUID) -> RecipientNotification | None:
        return self._u.table("notifications").get(notification_id)

    def _update(self, notification: RecipientNotification) -> None:
        self._u.table("notifications").put(notification.id, notification)

    def _pending(self, limit: int) -> Iterable[RecipientNotification]:
        return self._u.table("notifications").where(lambda n: n.sent_at is None)

    def _for_subject(self, subject_id: SubjectId) -> Iterable[RecipientNotification]:
        return self._u.table("notifications").where(lambda n: n.subject_id == subject_id)


class _Erasures(p.ErasureRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, pending: PendingErasure) -> None:
        table = self._u.table("erasures")
        if pending.subject_id in table:
            raise DuplicateRecord(f"erasure of {pending.subject_id} exists")
        table.put(pending.subject_id, pending)

    def _find(self, subject_id: SubjectId) -> PendingErasure | None:
        return self._u.table("erasures").get(subject_id)

    def _update(self, pending: PendingErasure) -> bool:
        table = self._u.table("erasures")
        if table.get(pending.subject_id) is None:
            return False
        table.put(pending.subject_id, pending)
        return True

    def _remove(self, subject_id: SubjectId) -> bool:
        table = self._u.table("erasures")
        if table.get(subject_id) is None:
            return False
        table.delete(subject_id)
        return True

    def _due_before(self, at: datetime, limit: int) -> Iterable[PendingErasure]:
        return self._u.table("erasures").where(
            lambda e: e.resume_at is not None and e.resume_at <= at
        )


class _Tombstones(p.TombstoneRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, tombstone: Tombstone) -> None:
        table = self._u.table("tombstones")
        if tombstone.subject_id not in table:
            table.put(tombstone.subject_id, tombstone)

    def _all(self) -> Iterable[Tombstone]:
        return list(self._u.table("tombstones").values())


class _MemoryUnit(p.UnitOfWork):
    def __init__(self, storage: MemoryStorage, read_only: bool = False) -> None:
        self._storage = storage
        self.read_only = read_only
        self._overlays: dict[str, _Overlay[Any, Any]] = {}
        self.subjects = _Subjects(self)
        self.consents = _Consents(self)
        self.objections = _Objections(self)
        self.restrictions = _Restrictions(self)
        self.requests = _Requests(self)
        self.interactions = _Interactions(self)
        self.audit = _Audit(self)
        self.breaches = _Breaches(self)
        self.retention = _Retention(self)
        self.suppressions = MemorySuppressions(self)
        self.notifications = _Notifications(self)
        self.erasures = _Erasures(self)
        self.tombstones = _Tombstones(self)
        self.certificates = MemoryCertificates(self)
        self.notices = MemoryNotices(self)
        self.duties = MemoryDuties(self)
        self.records = MemoryRecords(self)

    def table(self, name: str) -> _Overlay[Any, Any]:
        if not self.active:
            raise InterfaceError("repository used outside an open unit of work")
        overlay = self._overlays.get(name)
        if overlay is None:
            overlay = _Overlay(getattr(self._storage._data, name))
            self._overlays[name] = overlay
        return overlay

    def _begin(self) -> None:
        self._storage._enter()

    def _commit(self) -> None:
        self._storage._check_open()
        for overlay in self._overlays.values():
            overlay.apply()
        self._overlays.clear()

    def _rollback(self) -> None:
        self._overlays.clear()

    def _end(self) -> None:
        self._storage._leave()


class MemoryStorage(p.Storage):
    """Everything in dicts, in this process; with a :class:`MemoryKeyStore`."""

    capabilities = p.Capabilities(durable=False)

    def __init__(self) -> None:
        self._data = _Data()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._keys = MemoryKeyStore()
        self._closed = False

    def unit_of_work(self, *, read_only: bool = False) -> p.UnitOfWork:
        self._check_open()
        return _MemoryUnit(self, read_only)

    def key_store(self) -> KeyStore:
        return self._keys

    def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("storage is closed")

    def _enter(self) -> None:
        self._check_open()
        if getattr(self._local, "inside", False):
            raise NestedUnitOfWork("a unit of work is already open in this thread")
        self._lock.acquire()
        self._local.inside = True

    def _leave(self) -> None:
        if getattr(self._local, "inside", False):
            self._local.inside = False
            self._lock.release()

    def __repr__(self) -> str:
        return f"MemoryStorage({len(self._data.subjects)} subjects)"

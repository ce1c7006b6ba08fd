"""A worked example: a gdprcrm storage adapter over a key-value store.

The "database" here is :class:`KeyValueDB`, a dict of JSON documents with an atomic
batch write: the shape of many real stores (Redis with MULTI, DynamoDB transactions,
LMDB, a cloud KV). The adapter stores each record as one JSON document under a key
made of its kind and ids, keeps a unit's writes in a batch, and applies the batch
atomically on commit. It passes the whole gdprcrm conformance suite
(tests/test_adapter_example.py subclasses StorageConformance with it).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from gdprcrm import errors
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
from gdprcrm.serialization import converter
from gdprcrm.storage import protocols as p
from gdprcrm.vault import ErasureCertificate, KeyStore, MemoryKeyStore, Tombstone


class KeyValueDB:
    """The stand-in database: JSON documents by key, one atomic batch write."""

    def __init__(self) -> None:
        self.docs: dict[str, str] = {}
        self.lock = threading.Lock()

    def apply(self, batch: dict[str, str | None]) -> None:
        for key, doc in batch.items():  # atomic: no other writer runs meanwhile
            if doc is None:
                self.docs.pop(key, None)
            else:
                self.docs[key] = doc


class Unit(p.UnitOfWork):
    """A unit of work: reads see the batch over the database; commit applies it."""

    def __init__(self, storage: KeyValueStorage, read_only: bool) -> None:
        self.storage = storage
        self.read_only = read_only
        self.batch: dict[str, str | None] = {}
        self.subjects = Subjects(self)
        self.consents = Consents(self)
        self.objections = Objections(self)
        self.restrictions = Restrictions(self)
        self.requests = Requests(self)
        self.records = Records(self)
        self.interactions = Interactions(self)
        self.audit = Audit(self)
        self.breaches = Breaches(self)
        self.retention = Retention(self)
        self.suppressions = Suppressions(self)
        self.notifications = Notifications(self)
        self.erasures = Erasures(self)
        self.tombstones = Tombstones(self)
        self.certificates = Certificates(self)
        self.notices = Notices(self)
        self.duties = Duties(self)

    # The three hooks of the unit of work: begin, commit, rollback (+ end).
    def _begin(self) -> None:
        self.storage.enter()

    def _commit(self) -> None:
        self.storage.db.apply(self.batch)
        self.batch = {}

    def _rollback(self) -> None:
        self.batch = {}

    def _end(self) -> None:
        self.storage.leave()

    # Document helpers shared by the repositories.
    def get(self, key: str, cls: Any) -> Any:
        if not self.active:
            raise errors.InterfaceError("used outside an open unit of work")
        doc = self.batch[key] if key in self.batch else self.storage.db.docs.get(key)
        return None if doc is None else converter.structure(json.loads(doc), cls)

    def put(self, key: str, obj: Any, as_type: Any = None) -> None:
        if not self.active:
            raise errors.InterfaceError("used outside an open unit of work")
        if self.read_only:
            raise errors.ReadOnlyUnit("a write in a read-only unit of work")
        self.batch[key] = json.dumps(converter.unstructure(obj, unstructure_as=as_type))

    def delete(self, key: str) -> bool:
        if self.read_only:
            raise errors.ReadOnlyUnit("a write in a read-only unit of work")
        existed = self.get(key, dict) is not None
        self.batch[key] = None
        return existed

    def scan(self, prefix: str, cls: Any) -> list[Any]:
        if not self.active:  # even when nothing matches
            raise errors.InterfaceError("used outside an open unit of work")
        keys = {k for k in self.storage.db.docs if k.startswith(prefix)}
        keys |= {k for k in self.batch if k.startswith(prefix)}
        found = (self.get(k, cls) for k in sorted(keys))
        return [f for f in found if f is not None]

    def insert(self, key: str, obj: Any, as_type: Any = None) -> None:
        if self.get(key, dict) is not None:
            raise errors.DuplicateRecord(f"{key} exists")
        self.put(key, obj, as_type)

    def replace(self, key: str, obj: Any) -> bool:
        if self.get(key, dict) is None:
            return False
        self.put(key, obj)
        return True


class _Repo:
    def __init__(self, unit: Unit) -> None:
        self.u = unit


class Subjects(_Repo, p.SubjectRepository):
    def _add_many(self, subjects: Sequence[Subject]) -> None:
        for subject in subjects:
            self.u.insert(f"subject/{subject.id}", subject)

    def _find(self, subject_id: SubjectId, *, for_update: bool) -> Subject | None:
        if for_update and self.u.read_only:
            raise errors.ReadOnlyUnit("get_for_update in a read-only unit of work")
        found: Subject | None = self.u.get(f"subject/{subject_id}", Subject)
        return found

    def _update(self, subject: Subject) -> bool:
        return self.u.replace(f"subject/{subject.id}", subject)

    def _count(self) -> int:
        return len(self.u.scan("subject/", Subject))

    def _ids(self, after: SubjectId | None, limit: int) -> Iterable[SubjectId]:
        found = sorted(s.id.bytes for s in self.u.scan("subject/", Subject))
        start = b"" if after is None else after.bytes
        return [SubjectId(uuid.UUID(bytes=b)) for b in found if b > start][:limit]

    def _put_fields(self, fields: Sequence[PersonalField]) -> None:
        for f in fields:
            if self._find(f.subject_id, for_update=False) is None:
                raise errors.IntegrityError("a field needs its subject")
            self.u.put(f"field/{f.subject_id}/{f.name}", f)

    def _fields(
        self, subject_id: SubjectId, names: frozenset[str] | None
    ) -> Iterable[PersonalField]:
        found: list[PersonalField] = self.u.scan(f"field/{subject_id}/", PersonalField)
        return [f for f in found if names is None or f.name in names]

    def _delete_fields(self, subject_id: SubjectId, names: frozenset[str] | None) -> int:
        doomed = list(self._fields(subject_id, names))
        for f in doomed:
            self.u.delete(f"field/{subject_id}/{f.name}")
        return len(doomed)

    def _put_index(self, entries: Sequence[BlindIndexEntry]) -> None:
        for e in entries:
            if self._find(e.subject_id, for_update=False) is None:
                raise errors.IntegrityError("an index entry needs its subject")
            self.u.put(f"index/{e.subject_id}/{e.field}", e)

    def _find_by_index(self, kind: Lookup, digest: bytes) -> Iterable[SubjectId]:
        entries = self.u.scan("index/", BlindIndexEntry)
        return {e.subject_id for e in entries if e.kind is kind and e.digest == digest}

    def _delete_index(self, subject_id: SubjectId) -> int:
        doomed = self.u.scan(f"index/{subject_id}/", BlindIndexEntry)
        for e in doomed:
            self.u.delete(f"index/{subject_id}/{e.field}")
        return len(doomed)

    def _delete_index_fields(self, subject_id: SubjectId, fields: frozenset[str]) -> int:
        doomed = [
            e for e in self.u.scan(f"index/{subject_id}/", BlindIndexEntry) if e.field in fields
        ]
        for e in doomed:
            self.u.delete(f"index/{subject_id}/{e.field}")
        return len(doomed)


class Consents(_Repo, p.ConsentRepository):
    def _append(self, event: ConsentEvent) -> None:
        self.u.insert(f"consent/{event.subject_id}/{event.id}", event, ConsentEvent)

    def _history(
        self, subject_id: SubjectId, purpose_id: str | None, until: datetime | None
    ) -> Iterable[ConsentEvent]:
        events: list[ConsentEvent] = self.u.scan(f"consent/{subject_id}/", ConsentEvent)
        return [
            e
            for e in events
            if (purpose_id is None or e.purpose_id == purpose_id)
            and (until is None or e.at <= until)
        ]


class Objections(_Repo, p.ObjectionRepository):
    def _add(self, objection: Objection) -> None:
        self.u.insert(f"objection/{objection.subject_id}/{objection.id}", objection)

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Objection]:
        return self.u.scan(f"objection/{subject_id}/", Objection)


class Restrictions(_Repo, p.RestrictionRepository):
    def _add(self, restriction: Restriction) -> None:
        self.u.insert(f"restriction/{restriction.subject_id}/{restriction.id}", restriction)

    def _update(self, restriction: Restriction) -> bool:
        return self.u.replace(
            f"restriction/{restriction.subject_id}/{restriction.id}", restriction
        )

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Restriction]:
        return self.u.scan(f"restriction/{subject_id}/", Restriction)


class Requests(_Repo, p.RequestRepository):
    def _add(self, request: DataSubjectRequest) -> None:
        self.u.insert(f"request/{request.id}", request)

    def _get(self, request_id: uuid.UUID) -> DataSubjectRequest | None:
        found: DataSubjectRequest | None = self.u.get(f"request/{request_id}", DataSubjectRequest)
        return found

    def _update(self, request: DataSubjectRequest) -> bool:
        return self.u.replace(f"request/{request.id}", request)

    def _for_subject(self, subject_id: SubjectId) -> Iterable[DataSubjectRequest]:
        return [
            r for r in self.u.scan("request/", DataSubjectRequest) if r.subject_id == subject_id
        ]

    def _open_by_due(self, limit: int) -> Iterable[DataSubjectRequest]:
        return [r for r in self.u.scan("request/", DataSubjectRequest) if p.is_open(r)]


class Interactions(_Repo, p.InteractionRepository):
    def _add(self, interaction: Interaction) -> None:
        self.u.insert(f"interaction/{interaction.subject_id}/{interaction.id}", interaction)

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Interaction]:
        return self.u.scan(f"interaction/{subject_id}/", Interaction)

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        doomed = list(self._for_subject(subject_id))
        for i in doomed:
            self.u.delete(f"interaction/{subject_id}/{i.id}")
        return len(doomed)


class Audit(_Repo, p.AuditRepository):
    def _head(self, *, for_update: bool) -> AuditEntry | None:
        head: AuditEntry | None = self.u.get("audit-head", AuditEntry)
        return head

    def _append(self, entry: AuditEntry) -> None:
        self.u.insert(f"audit/{entry.sequence:020d}", entry)
        self.u.put("audit-head", entry)

    def _range(self, start: int, stop: int | None) -> Iterable[AuditEntry]:
        entries: list[AuditEntry] = self.u.scan("audit/", AuditEntry)
        return [e for e in entries if e.sequence >= start and (stop is None or e.sequence < stop)]


class Breaches(_Repo, p.BreachRepository):
    def _add(self, breach: Breach) -> None:
        self.u.insert(f"breach/{breach.id}", breach)

    def _get(self, breach_id: uuid.UUID) -> Breach | None:
        found: Breach | None = self.u.get(f"breach/{breach_id}", Breach)
        return found

    def _update(self, breach: Breach) -> bool:
        return self.u.replace(f"breach/{breach.id}", breach)

    def _all(self) -> Iterable[Breach]:
        return self.u.scan("breach/", Breach)


class Retention(_Repo, p.RetentionRepository):
    def _schedule(self, entries: Sequence[RetentionDue]) -> None:
        for e in entries:
            self.u.put(f"due/{e.subject_id}/{e.purpose_id}", e)

    def _due_before(self, at: datetime, limit: int) -> Iterable[RetentionDue]:
        # A real store keeps a sorted index (a sorted set, a GSI) and reads a range.
        return [d for d in self.u.scan("due/", RetentionDue) if d.due_at <= at]

    def _for_subject(self, subject_id: SubjectId) -> Iterable[RetentionDue]:
        return self.u.scan(f"due/{subject_id}/", RetentionDue)

    def _clear(self, subject_id: SubjectId, purpose_id: str | None) -> int:
        doomed = [
            d
            for d in self._for_subject(subject_id)
            if purpose_id is None or d.purpose_id == purpose_id
        ]
        for d in doomed:
            self.u.delete(f"due/{subject_id}/{d.purpose_id}")
        return len(doomed)


class Suppressions(_Repo, p.SuppressionRepository):
    @staticmethod
    def _key(entry: SuppressionEntry) -> str:
        channel = "all" if entry.channel is None else entry.channel.value
        return f"suppressed/{entry.kind.value}/{entry.digest.hex()}/{channel}"

    def _add(self, entry: SuppressionEntry) -> None:
        if self.u.get(self._key(entry), SuppressionEntry) is None:
            self.u.put(self._key(entry), entry)

    def _scopes(self, kind: Lookup, digest: bytes) -> Iterable[Channel | None]:
        found = self.u.scan(f"suppressed/{kind.value}/{digest.hex()}/", SuppressionEntry)
        return [e.channel for e in found]

    def _purge_before(self, at: datetime) -> int:
        old = [e for e in self.u.scan("suppressed/", SuppressionEntry) if e.at < at]
        for e in old:
            self.u.delete(self._key(e))
        return len(old)


class Notifications(_Repo, p.NotificationRepository):
    def _add(self, n: RecipientNotification) -> None:
        self.u.insert(f"notification/{n.id}", n)

    def _get(self, notification_id: uuid.UUID) -> RecipientNotification | None:
        found: RecipientNotification | None = self.u.get(
            f"notification/{notification_id}", RecipientNotification
        )
        return found

    def _update(self, n: RecipientNotification) -> None:
        self.u.put(f"notification/{n.id}", n)

    def _pending(self, limit: int) -> Iterable[RecipientNotification]:
        items: list[RecipientNotification] = self.u.scan("notification/", RecipientNotification)
        return [n for n in items if n.sent_at is None]

    def _for_subject(self, subject_id: SubjectId) -> Iterable[RecipientNotification]:
        items: list[RecipientNotification] = self.u.scan("notification/", RecipientNotification)
        return [n for n in items if n.subject_id == subject_id]


class Erasures(_Repo, p.ErasureRepository):
    def _add(self, pending: PendingErasure) -> None:
        self.u.insert(f"erasure/{pending.subject_id}", pending)

    def _find(self, subject_id: SubjectId) -> PendingErasure | None:
        found: PendingErasure | None = self.u.get(f"erasure/{subject_id}", PendingErasure)
        return found

    def _update(self, pending: PendingErasure) -> bool:
        return self.u.replace(f"erasure/{pending.subject_id}", pending)

    def _remove(self, subject_id: SubjectId) -> bool:
        return self.u.delete(f"erasure/{subject_id}")

    def _due_before(self, at: datetime, limit: int) -> Iterable[PendingErasure]:
        items: list[PendingErasure] = self.u.scan("erasure/", PendingErasure)
        return [e for e in items if e.resume_at is not None and e.resume_at <= at]


class Tombstones(_Repo, p.TombstoneRepository):
    def _add(self, tombstone: Tombstone) -> None:
        key = f"tombstone/{tombstone.subject_id}"
        if self.u.get(key, Tombstone) is None:
            self.u.put(key, tombstone)

    def _all(self) -> Iterable[Tombstone]:
        found: list[Tombstone] = self.u.scan("tombstone/", Tombstone)
        return found


class Certificates(_Repo, p.CertificateRepository):
    """The canonical wire form of each certificate (a string), read back only if still
    canonical (``from_json``); by subject: a scan (an example, not a fast store)."""

    def _add_many(self, certificates: Sequence[ErasureCertificate]) -> None:
        for certificate in certificates:
            key = f"certificate/{certificate.certificate_id}"
            if self.u.get(key, str) is None:
                self.u.put(key, certificate.to_json(), as_type=str)

    def _get(self, certificate_id: uuid.UUID) -> ErasureCertificate | None:
        text = self.u.get(f"certificate/{certificate_id}", str)
        return None if text is None else ErasureCertificate.from_json(text)

    def _for_subject(self, subject_id: SubjectId) -> Iterable[ErasureCertificate]:
        found = (ErasureCertificate.from_json(t) for t in self.u.scan("certificate/", str))
        return [c for c in found if c.subject_id == subject_id]


class Notices(_Repo, p.NoticeRepository):
    def _add(self, notice: NoticeVersion) -> None:
        stored = self.u.scan("notice/", NoticeVersion)
        if any(n.version == notice.version for n in stored):
            raise errors.DuplicateRecord(f"notice version {notice.version!r} exists")
        self.u.put(f"notice/{len(stored):012d}", notice)

    def _all(self) -> Iterable[NoticeVersion]:
        found: list[NoticeVersion] = self.u.scan("notice/", NoticeVersion)
        return found  # scan reads keys in order: the order added


class Duties(_Repo, p.DutyRepository):
    def _add(self, duty: InformationDuty) -> None:
        self.u.insert(f"duty/{duty.subject_id}", duty)

    def _update(self, duty: InformationDuty) -> bool:
        return self.u.replace(f"duty/{duty.subject_id}", duty)

    def _get(self, subject_id: SubjectId) -> InformationDuty | None:
        found: InformationDuty | None = self.u.get(f"duty/{subject_id}", InformationDuty)
        return found

    def _pending(self, limit: int) -> Iterable[InformationDuty]:
        return [d for d in self.u.scan("duty/", InformationDuty) if d.pending]

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        return 1 if self.u.delete(f"duty/{subject_id}") else 0


class Records(_Repo, p.RecordRepository):
    def _add(self, record: Record) -> None:
        if self.u.get(f"subject/{record.subject_id}", Subject) is None:
            raise errors.IntegrityError(f"record for unknown subject {record.subject_id}")
        self.u.insert(f"record/{record.id}", record)

    def _find(self, record_id: RecordId) -> Record | None:
        found: Record | None = self.u.get(f"record/{record_id}", Record)
        return found

    def _update(self, record: Record) -> None:
        self.u.replace(f"record/{record.id}", record)

    def _delete(self, record_id: RecordId) -> bool:
        return self.u.delete(f"record/{record_id}")

    def _for_subject(self, subject_id: SubjectId, kind: str | None) -> Iterable[Record]:
        items: list[Record] = self.u.scan("record/", Record)
        return [r for r in items if r.subject_id == subject_id and kind in (None, r.kind)]

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        doomed = list(self._for_subject(subject_id, None))
        for record in doomed:
            self.u.delete(f"record/{record.id}")
        return len(doomed)

    def _due_before(self, at: datetime, limit: int) -> Iterable[Record]:
        items: list[Record] = self.u.scan("record/", Record)
        return [r for r in items if r.due_at <= at]


class KeyValueStorage(p.Storage):
    """The adapter: units of work over one KeyValueDB, serialised by its lock."""

    capabilities = p.Capabilities(durable=False)

    def __init__(self, db: KeyValueDB | None = None) -> None:
        self.db = db if db is not None else KeyValueDB()
        self.keys = MemoryKeyStore()
        self.local = threading.local()
        self.closed = False

    def enter(self) -> None:
        if self.closed:
            raise errors.InterfaceError("storage is closed")
        if getattr(self.local, "inside", False):
            raise errors.NestedUnitOfWork("a unit of work is already open in this thread")
        self.db.lock.acquire()
        self.local.inside = True

    def leave(self) -> None:
        self.local.inside = False
        self.db.lock.release()

    def unit_of_work(self, *, read_only: bool = False) -> p.UnitOfWork:
        if self.closed:
            raise errors.InterfaceError("storage is closed")
        return Unit(self, read_only)

    def key_store(self) -> KeyStore:
        return self.keys

    def close(self) -> None:
        self.closed = True

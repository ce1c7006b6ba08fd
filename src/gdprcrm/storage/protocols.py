"""The storage ports: one repository per aggregate, and the unit of work around them.

Host applications keep gdprcrm's records in their own databases by implementing these
ports; gdprcrm ships three adapters (memory, SQLite, PostgreSQL). Only frozen model
objects cross a port. The public methods of each base class check their input and the
invariants, then call the ``_``-prefixed hooks an adapter implements, so every adapter
gets the same checks for free.

A :class:`UnitOfWork` groups the work of one GDPR operation: everything written in it
becomes visible together on :meth:`UnitOfWork.commit`, or not at all. Leaving the
``with`` block without committing rolls back. Opening a unit inside another one on the
same storage and thread raises :class:`~gdprcrm.errors.NestedUnitOfWork`.

    with storage.unit_of_work() as uow:
        uow.subjects.add(subject)
        uow.audit.append(entry)
        uow.commit()
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import attrs

from gdprcrm.errors import (
    DataError,
    DuplicateRecord,
    InterfaceError,
    InvalidInput,
    ReadOnlyUnit,
    SequenceGap,
    UnknownRecord,
)
from gdprcrm.model import (
    AuditEntry,
    BlindIndexEntry,
    Breach,
    ConsentEvent,
    ConsentGiven,
    ConsentWithdrawn,
    DataSubjectRequest,
    Interaction,
    Lookup,
    Objection,
    PersonalField,
    RecipientNotification,
    RequestStatus,
    Restriction,
    RetentionDue,
    Subject,
    SubjectId,
    SuppressionEntry,
)
from gdprcrm.model._checks import check_aware
from gdprcrm.vault.keystore import KeyStore

__all__ = [
    "MAX_BATCH",
    "REPOSITORIES",
    "AuditRepository",
    "BreachRepository",
    "Capabilities",
    "ConsentRepository",
    "InteractionRepository",
    "NotificationRepository",
    "ObjectionRepository",
    "Repository",
    "RepositorySpec",
    "RequestRepository",
    "RestrictionRepository",
    "RetentionRepository",
    "Storage",
    "SubjectRepository",
    "SuppressionRepository",
    "UnitOfWork",
    "effective_due",
    "is_open",
]

MAX_BATCH = 100_000
"""The most records one bulk call may carry."""

_OPEN = (RequestStatus.OPEN, RequestStatus.EXTENDED, RequestStatus.AWAITING_IDENTITY)


def _check(value: object, cls: type | tuple[type, ...], what: str) -> None:
    if not isinstance(value, cls):
        names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)
        raise InvalidInput(f"{what}: expected {names}, got {type(value).__name__}")


def _check_all(values: Sequence[object], cls: type | tuple[type, ...], what: str) -> None:
    if not isinstance(values, Sequence) or isinstance(values, str | bytes):
        raise InvalidInput(f"{what}: expected a sequence")
    if len(values) > MAX_BATCH:
        raise DataError(f"{what}: at most {MAX_BATCH} records per call")
    for item in values:
        _check(item, cls, what)


class Repository(abc.ABC):  # noqa: B024 - the aggregate bases below add the abstract hooks
    """What every repository shares: the unit of work it belongs to (set on entry)."""

    _owner: UnitOfWork | None = None

    def _writable(self) -> None:
        owner = self._owner
        if owner is None or not owner.active:
            raise InterfaceError("repository used outside an open unit of work")
        if owner.read_only:
            raise ReadOnlyUnit("a write in a read-only unit of work")


_REPOSITORY_CLASSES: dict[type, bool] = {}


def _is_repository(cls: type) -> bool:
    known = _REPOSITORY_CLASSES.get(cls)
    if known is None:
        known = _REPOSITORY_CLASSES[cls] = issubclass(cls, Repository)
    return known


class SubjectRepository(Repository):
    """Subjects, their encrypted fields and their blind-index entries."""

    def add(self, subject: Subject) -> None:
        """Store a new subject; DuplicateRecord if the id exists."""
        self._writable()
        _check(subject, Subject, "subjects.add")
        self._add_many([subject])

    def add_many(self, subjects: Sequence[Subject]) -> None:
        """Store new subjects in one batch; DuplicateRecord if any id exists (then none is
        stored, as the whole unit rolls back)."""
        self._writable()
        _check_all(subjects, Subject, "subjects.add_many")
        if len({s.id for s in subjects}) != len(subjects):
            raise DuplicateRecord("subjects.add_many: the same id twice in one batch")
        if subjects:
            self._add_many(subjects)

    def get(self, subject_id: SubjectId) -> Subject:
        """The subject; UnknownRecord if there is none."""
        found = self.find(subject_id)
        if found is None:
            raise UnknownRecord(f"no subject {subject_id}")
        return found

    def find(self, subject_id: SubjectId) -> Subject | None:
        _check(subject_id, SubjectId, "subjects.find")
        return self._find(subject_id, for_update=False)

    def get_for_update(self, subject_id: SubjectId) -> Subject:
        """The subject, locked against concurrent writers until the unit ends."""
        self._writable()
        _check(subject_id, SubjectId, "subjects.get_for_update")
        found = self._find(subject_id, for_update=True)
        if found is None:
            raise UnknownRecord(f"no subject {subject_id}")
        return found

    def update(self, subject: Subject) -> None:
        """Replace a stored subject; UnknownRecord if it does not exist."""
        self._writable()
        _check(subject, Subject, "subjects.update")
        if not self._update(subject):
            raise UnknownRecord(f"no subject {subject.id}")

    def count(self) -> int:
        return self._count()

    def put_fields(self, fields: Sequence[PersonalField]) -> None:
        """Insert or replace encrypted fields (by subject and name); the subjects must exist."""
        self._writable()
        _check_all(fields, PersonalField, "subjects.put_fields")
        if fields:
            self._put_fields(fields)

    def fields(
        self, subject_id: SubjectId, names: Iterable[str] | None = None
    ) -> list[PersonalField]:
        """The subject's stored fields (or only those named), by name."""
        _check(subject_id, SubjectId, "subjects.fields")
        chosen = None if names is None else frozenset(names)
        return sorted(self._fields(subject_id, chosen), key=lambda f: f.name)

    def delete_fields(self, subject_id: SubjectId, names: Iterable[str] | None = None) -> int:
        """Delete some (or all) of the subject's fields; returns how many were deleted."""
        self._writable()
        _check(subject_id, SubjectId, "subjects.delete_fields")
        chosen = None if names is None else frozenset(names)
        return self._delete_fields(subject_id, chosen)

    def put_index(self, entries: Sequence[BlindIndexEntry]) -> None:
        """Insert or replace blind-index entries (by subject and field)."""
        self._writable()
        _check_all(entries, BlindIndexEntry, "subjects.put_index")
        if entries:
            self._put_index(entries)

    def find_by_index(self, kind: Lookup, digest: bytes) -> list[SubjectId]:
        """The subjects whose lookup value of ``kind`` has this blind index."""
        _check(kind, Lookup, "subjects.find_by_index(kind)")
        if not isinstance(digest, bytes) or len(digest) != 32:
            raise InvalidInput("subjects.find_by_index: expected a 32-byte blind index")
        return sorted(self._find_by_index(kind, digest))

    def delete_index(self, subject_id: SubjectId) -> int:
        self._writable()
        _check(subject_id, SubjectId, "subjects.delete_index")
        return self._delete_index(subject_id)

    @abc.abstractmethod
    def _add_many(self, subjects: Sequence[Subject]) -> None: ...

    @abc.abstractmethod
    def _find(self, subject_id: SubjectId, *, for_update: bool) -> Subject | None: ...

    @abc.abstractmethod
    def _update(self, subject: Subject) -> bool: ...

    @abc.abstractmethod
    def _count(self) -> int: ...

    @abc.abstractmethod
    def _put_fields(self, fields: Sequence[PersonalField]) -> None: ...

    @abc.abstractmethod
    def _fields(
        self, subject_id: SubjectId, names: frozenset[str] | None
    ) -> Iterable[PersonalField]:
        """The subject's fields; only those in ``names`` unless it is None."""

    @abc.abstractmethod
    def _delete_fields(self, subject_id: SubjectId, names: frozenset[str] | None) -> int: ...

    @abc.abstractmethod
    def _put_index(self, entries: Sequence[BlindIndexEntry]) -> None: ...

    @abc.abstractmethod
    def _find_by_index(self, kind: Lookup, digest: bytes) -> Iterable[SubjectId]: ...

    @abc.abstractmethod
    def _delete_index(self, subject_id: SubjectId) -> int: ...


class ConsentRepository(Repository):
    """Consent events, append-only (Art. 7(1): the proof of consent)."""

    def append(self, event: ConsentEvent) -> None:
        self._writable()
        _check(event, (ConsentGiven, ConsentWithdrawn), "consents.append")
        self._append(event)

    def history(
        self, subject_id: SubjectId, purpose_id: str | None = None, until: datetime | None = None
    ) -> list[ConsentEvent]:
        """The subject's events (for one purpose, up to an instant), in time order."""
        _check(subject_id, SubjectId, "consents.history")
        if until is not None:
            until = check_aware(until, "consents.history(until)")
        events = self._history(subject_id, purpose_id, until)
        return sorted(events, key=lambda e: (e.at, str(e.id)))

    @abc.abstractmethod
    def _append(self, event: ConsentEvent) -> None: ...

    @abc.abstractmethod
    def _history(
        self, subject_id: SubjectId, purpose_id: str | None, until: datetime | None
    ) -> Iterable[ConsentEvent]: ...


class ObjectionRepository(Repository):
    def add(self, objection: Objection) -> None:
        self._writable()
        _check(objection, Objection, "objections.add")
        self._add(objection)

    def for_subject(self, subject_id: SubjectId) -> list[Objection]:
        _check(subject_id, SubjectId, "objections.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda o: (o.at, str(o.id)))

    @abc.abstractmethod
    def _add(self, objection: Objection) -> None: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Objection]: ...


class RestrictionRepository(Repository):
    def add(self, restriction: Restriction) -> None:
        self._writable()
        _check(restriction, Restriction, "restrictions.add")
        self._add(restriction)

    def update(self, restriction: Restriction) -> None:
        """Replace a stored restriction (to lift it); UnknownRecord if absent."""
        self._writable()
        _check(restriction, Restriction, "restrictions.update")
        if not self._update(restriction):
            raise UnknownRecord(f"no restriction {restriction.id}")

    def for_subject(self, subject_id: SubjectId) -> list[Restriction]:
        _check(subject_id, SubjectId, "restrictions.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda r: (r.at, str(r.id)))

    @abc.abstractmethod
    def _add(self, restriction: Restriction) -> None: ...

    @abc.abstractmethod
    def _update(self, restriction: Restriction) -> bool: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Restriction]: ...


class RequestRepository(Repository):
    """Data-subject requests (Art. 12)."""

    def add(self, request: DataSubjectRequest) -> None:
        self._writable()
        _check(request, DataSubjectRequest, "requests.add")
        self._add(request)

    def get(self, request_id: uuid.UUID) -> DataSubjectRequest:
        _check(request_id, uuid.UUID, "requests.get")
        found = self._get(request_id)
        if found is None:
            raise UnknownRecord(f"no request {request_id}")
        return found

    def update(self, request: DataSubjectRequest) -> None:
        self._writable()
        _check(request, DataSubjectRequest, "requests.update")
        if not self._update(request):
            raise UnknownRecord(f"no request {request.id}")

    def for_subject(self, subject_id: SubjectId) -> list[DataSubjectRequest]:
        _check(subject_id, SubjectId, "requests.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda r: (r.received_at, str(r.id)))

    def open_by_due(self, limit: int = 1000) -> list[DataSubjectRequest]:
        """Open requests (open, extended, awaiting identity), soonest due first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("requests.open_by_due(limit): expected an integer >= 0")
        found = self._open_by_due(limit)
        return sorted(found, key=lambda r: (effective_due(r), str(r.id)))[:limit]

    @abc.abstractmethod
    def _add(self, request: DataSubjectRequest) -> None: ...

    @abc.abstractmethod
    def _get(self, request_id: uuid.UUID) -> DataSubjectRequest | None: ...

    @abc.abstractmethod
    def _update(self, request: DataSubjectRequest) -> bool: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[DataSubjectRequest]: ...

    @abc.abstractmethod
    def _open_by_due(self, limit: int) -> Iterable[DataSubjectRequest]:
        """At least the ``limit`` open requests with the earliest effective due dates."""


def effective_due(request: DataSubjectRequest) -> datetime:
    """The due date in force: the extended one if the request was extended."""
    return request.extended_due_at or request.due_at


def is_open(request: DataSubjectRequest) -> bool:
    return request.status in _OPEN


class InteractionRepository(Repository):
    """The transparency log (contacts and communications, with encrypted content)."""

    def add(self, interaction: Interaction) -> None:
        self._writable()
        _check(interaction, Interaction, "interactions.add")
        if interaction.content is not None and len(interaction.content) > (1 << 20):
            raise DataError("interactions.add: content larger than 1 MiB")
        self._add(interaction)

    def for_subject(self, subject_id: SubjectId) -> list[Interaction]:
        _check(subject_id, SubjectId, "interactions.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda i: (i.at, str(i.id)))

    def delete_for_subject(self, subject_id: SubjectId) -> int:
        self._writable()
        _check(subject_id, SubjectId, "interactions.delete_for_subject")
        return self._delete_for_subject(subject_id)

    @abc.abstractmethod
    def _add(self, interaction: Interaction) -> None: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Interaction]: ...

    @abc.abstractmethod
    def _delete_for_subject(self, subject_id: SubjectId) -> int: ...


class AuditRepository(Repository):
    """The append-only audit trail: sequence numbers 0, 1, 2, ... with no gap."""

    def append(self, entry: AuditEntry) -> None:
        """Append the entry that follows the head; SequenceGap otherwise.

        Reading the head and appending in the same unit of work is safe against
        concurrent writers: adapters serialise appends (a lock on the chain head).
        """
        self._writable()
        _check(entry, AuditEntry, "audit.append")
        head = self._head(for_update=True)
        expected = 0 if head is None else head.sequence + 1
        if entry.sequence != expected:
            raise SequenceGap(
                f"audit entry {entry.sequence} does not follow the head ({expected})"
            )
        self._append(entry)

    def head(self) -> AuditEntry | None:
        """The last entry (locked until the unit ends, so the next append can follow it)."""
        return self._head(for_update=True)

    def range(self, start: int = 0, stop: int | None = None) -> list[AuditEntry]:
        """Entries with ``start <= sequence < stop``, in order."""
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise InvalidInput("audit.range(start): expected an integer >= 0")
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int)):
            raise InvalidInput("audit.range(stop): expected an integer")
        return sorted(self._range(start, stop), key=lambda e: e.sequence)

    @abc.abstractmethod
    def _head(self, *, for_update: bool) -> AuditEntry | None: ...

    @abc.abstractmethod
    def _append(self, entry: AuditEntry) -> None: ...

    @abc.abstractmethod
    def _range(self, start: int, stop: int | None) -> Iterable[AuditEntry]: ...


class BreachRepository(Repository):
    """The breach register (Art. 33(5)): every breach, notified or not."""

    def add(self, breach: Breach) -> None:
        self._writable()
        _check(breach, Breach, "breaches.add")
        self._add(breach)

    def get(self, breach_id: uuid.UUID) -> Breach:
        _check(breach_id, uuid.UUID, "breaches.get")
        found = self._get(breach_id)
        if found is None:
            raise UnknownRecord(f"no breach {breach_id}")
        return found

    def update(self, breach: Breach) -> None:
        self._writable()
        _check(breach, Breach, "breaches.update")
        if not self._update(breach):
            raise UnknownRecord(f"no breach {breach.id}")

    def all(self) -> list[Breach]:
        return sorted(self._all(), key=lambda b: (b.aware_at, str(b.id)))

    @abc.abstractmethod
    def _add(self, breach: Breach) -> None: ...

    @abc.abstractmethod
    def _get(self, breach_id: uuid.UUID) -> Breach | None: ...

    @abc.abstractmethod
    def _update(self, breach: Breach) -> bool: ...

    @abc.abstractmethod
    def _all(self) -> Iterable[Breach]: ...


class SuppressionRepository(Repository):
    """The direct-marketing suppression list: hashed contact points, kept after erasure."""

    def add(self, entry: SuppressionEntry) -> None:
        """Add (or keep) an entry; adding the same digest again is harmless."""
        self._writable()
        _check(entry, SuppressionEntry, "suppressions.add")
        self._add(entry)

    def contains(self, kind: Lookup, digest: bytes) -> bool:
        _check(kind, Lookup, "suppressions.contains(kind)")
        if not isinstance(digest, bytes) or len(digest) != 32:
            raise InvalidInput("suppressions.contains: expected a 32-byte blind index")
        return self._contains(kind, digest)

    @abc.abstractmethod
    def _add(self, entry: SuppressionEntry) -> None: ...

    @abc.abstractmethod
    def _contains(self, kind: Lookup, digest: bytes) -> bool: ...


class NotificationRepository(Repository):
    """The Art. 19 queue: one notification per recipient, until reported sent."""

    def add(self, notification: RecipientNotification) -> None:
        self._writable()
        _check(notification, RecipientNotification, "notifications.add")
        self._add(notification)

    def mark_sent(self, notification_id: uuid.UUID, at: datetime) -> RecipientNotification:
        self._writable()
        _check(notification_id, uuid.UUID, "notifications.mark_sent")
        at = check_aware(at, "notifications.mark_sent(at)")
        found = self.get(notification_id)
        if found.sent_at is not None:
            return found  # reporting a sending twice changes nothing
        sent = attrs.evolve(found, sent_at=at)
        self._update(sent)
        return sent

    def get(self, notification_id: uuid.UUID) -> RecipientNotification:
        _check(notification_id, uuid.UUID, "notifications.get")
        found = self._get(notification_id)
        if found is None:
            raise UnknownRecord(f"no notification {notification_id}")
        return found

    def pending(self, limit: int = 1000) -> list[RecipientNotification]:
        """Notifications not yet sent, oldest first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("notifications.pending(limit): expected an integer >= 0")
        found = self._pending(limit)
        return sorted(found, key=lambda n: (n.at, str(n.id)))[:limit]

    def for_subject(self, subject_id: SubjectId) -> list[RecipientNotification]:
        _check(subject_id, SubjectId, "notifications.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda n: (n.at, str(n.id)))

    @abc.abstractmethod
    def _add(self, notification: RecipientNotification) -> None: ...

    @abc.abstractmethod
    def _get(self, notification_id: uuid.UUID) -> RecipientNotification | None: ...

    @abc.abstractmethod
    def _update(self, notification: RecipientNotification) -> None: ...

    @abc.abstractmethod
    def _pending(self, limit: int) -> Iterable[RecipientNotification]:
        """At least the ``limit`` oldest unsent notifications."""

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[RecipientNotification]: ...


class RetentionRepository(Repository):
    """The retention schedule: when each (subject, purpose) falls due (Art. 5(1)(e))."""

    def schedule(self, entries: Sequence[RetentionDue]) -> None:
        """Insert or replace due dates (by subject and purpose)."""
        self._writable()
        _check_all(entries, RetentionDue, "retention.schedule")
        if entries:
            self._schedule(entries)

    def due_before(self, at: datetime, limit: int = 1000) -> list[RetentionDue]:
        """Entries due at or before ``at``, earliest first; an indexed range read."""
        at = check_aware(at, "retention.due_before(at)")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("retention.due_before(limit): expected an integer >= 0")
        found = self._due_before(at, limit)
        return sorted(found, key=lambda d: (d.due_at, str(d.subject_id), d.purpose_id))[:limit]

    def for_subject(self, subject_id: SubjectId) -> list[RetentionDue]:
        _check(subject_id, SubjectId, "retention.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda d: d.purpose_id)

    def clear(self, subject_id: SubjectId, purpose_id: str | None = None) -> int:
        self._writable()
        _check(subject_id, SubjectId, "retention.clear")
        return self._clear(subject_id, purpose_id)

    @abc.abstractmethod
    def _schedule(self, entries: Sequence[RetentionDue]) -> None: ...

    @abc.abstractmethod
    def _due_before(self, at: datetime, limit: int) -> Iterable[RetentionDue]: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[RetentionDue]: ...

    @abc.abstractmethod
    def _clear(self, subject_id: SubjectId, purpose_id: str | None) -> int: ...


@attrs.frozen
class RepositorySpec:
    """One repository of the unit of work: its name, its port, and which of the port's
    public methods write and which read (the fault injector counts the writes)."""

    name: str
    port: type[Repository]
    writes: tuple[str, ...]
    reads: tuple[str, ...]


REPOSITORIES: tuple[RepositorySpec, ...] = (
    RepositorySpec(
        "subjects",
        SubjectRepository,
        writes=(
            "add",
            "add_many",
            "update",
            "put_fields",
            "delete_fields",
            "put_index",
            "delete_index",
        ),
        reads=("get", "find", "get_for_update", "count", "fields", "find_by_index"),
    ),
    RepositorySpec("consents", ConsentRepository, writes=("append",), reads=("history",)),
    RepositorySpec("objections", ObjectionRepository, writes=("add",), reads=("for_subject",)),
    RepositorySpec(
        "restrictions", RestrictionRepository, writes=("add", "update"), reads=("for_subject",)
    ),
    RepositorySpec(
        "requests",
        RequestRepository,
        writes=("add", "update"),
        reads=("get", "for_subject", "open_by_due"),
    ),
    RepositorySpec(
        "interactions",
        InteractionRepository,
        writes=("add", "delete_for_subject"),
        reads=("for_subject",),
    ),
    RepositorySpec("audit", AuditRepository, writes=("append",), reads=("head", "range")),
    RepositorySpec(
        "breaches", BreachRepository, writes=("add", "update"), reads=("get", "all")
    ),
    RepositorySpec(
        "retention",
        RetentionRepository,
        writes=("schedule", "clear"),
        reads=("due_before", "for_subject"),
    ),
    RepositorySpec("suppressions", SuppressionRepository, writes=("add",), reads=("contains",)),
    RepositorySpec(
        "notifications",
        NotificationRepository,
        writes=("add", "mark_sent"),
        reads=("get", "pending", "for_subject"),
    ),
)
"""The one registry of repositories. The unit of work, the conformance suite's write
counting, snapshots, differential machine and fault injection are all derived from it;
a test checks that it names every repository of :class:`UnitOfWork` and classifies
every public method of every port."""

_REPOSITORY_NAMES = tuple(spec.name for spec in REPOSITORIES)


@attrs.frozen
class Capabilities:
    """Optional features an adapter may or may not offer (the conformance suite skips
    the tests of what is absent)."""

    concurrent_processes: bool = False
    """Several processes may write at once (PostgreSQL; SQLite serialises them)."""
    durable: bool = True
    """Committed data survives a crash (False for the memory adapter)."""
    row_locks: bool = False
    """``get_for_update`` takes a real row lock (otherwise writers are serialised whole)."""


class UnitOfWork(abc.ABC):
    """One transaction over every repository. Rolls back unless :meth:`commit` is called.

    A unit opened with ``read_only=True`` refuses every write with
    :class:`~gdprcrm.errors.ReadOnlyUnit` and never blocks writers (SQLite) or takes
    write locks (PostgreSQL).
    """

    subjects: SubjectRepository
    consents: ConsentRepository
    objections: ObjectionRepository
    restrictions: RestrictionRepository
    requests: RequestRepository
    interactions: InteractionRepository
    audit: AuditRepository
    breaches: BreachRepository
    retention: RetentionRepository
    suppressions: SuppressionRepository
    notifications: NotificationRepository

    _state = "new"
    read_only = False

    def __enter__(self) -> Self:
        if self._state != "new":
            raise InterfaceError("a unit of work is used once")
        self._begin()
        self._state = "open"
        # Repositories built in __init__ learn their unit here; one built lazily, on
        # first use (not yet in the instance dict), must set ``_owner`` itself.
        attributes = self.__dict__
        for name in _REPOSITORY_NAMES:
            repository = attributes.get(name)
            if repository is not None and _is_repository(type(repository)):
                repository._owner = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._state == "open":
                self._rollback()
        finally:
            self._state = "closed"
            self._end()

    def commit(self) -> None:
        """Make everything written in this unit visible, atomically and durably."""
        if self._state != "open":
            raise InterfaceError("commit() outside an open unit of work")
        self._commit()
        self._state = "committed"

    def rollback(self) -> None:
        """Discard everything written in this unit (also done on leaving without commit)."""
        if self._state == "open":
            self._rollback()
            self._state = "rolled-back"

    @property
    def active(self) -> bool:
        return self._state == "open"

    @abc.abstractmethod
    def _begin(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def _rollback(self) -> None: ...

    def _end(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release what the unit held (connection, lock); called exactly once."""


class Storage(abc.ABC):
    """An adapter: hands out units of work and the vault's key store."""

    capabilities: Capabilities = Capabilities()

    @abc.abstractmethod
    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; ``read_only`` for units that only read."""

    @abc.abstractmethod
    def key_store(self) -> KeyStore: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

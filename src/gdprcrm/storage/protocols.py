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
from types import TracebackType
from typing import Any, Self

import attrs

from gdprcrm.errors import InterfaceError
from gdprcrm.storage.ports._base import MAX_BATCH, Repository, _is_repository
from gdprcrm.storage.ports.certificates import CertificateRepository
from gdprcrm.storage.ports.choices import (
    ConsentRepository,
    ObjectionRepository,
    RestrictionRepository,
)
from gdprcrm.storage.ports.duties import DutyRepository
from gdprcrm.storage.ports.erasures import ErasureRepository
from gdprcrm.storage.ports.notices import NoticeRepository
from gdprcrm.storage.ports.records import RecordRepository
from gdprcrm.storage.ports.requests import RequestRepository, effective_due, is_open
from gdprcrm.storage.ports.retention import RetentionRepository, SuppressionRepository
from gdprcrm.storage.ports.subjects import SubjectRepository
from gdprcrm.storage.ports.tombstones import TombstoneRepository
from gdprcrm.storage.ports.trail import (
    AuditRepository,
    BreachRepository,
    InteractionRepository,
    NotificationRepository,
)
from gdprcrm.vault.keystore import KeyStore

__all__ = [
    "MAX_BATCH",
    "REPOSITORIES",
    "AuditRepository",
    "BreachRepository",
    "Capabilities",
    "CertificateRepository",
    "ConsentRepository",
    "DutyRepository",
    "ErasureRepository",
    "InteractionRepository",
    "NoticeRepository",
    "NotificationRepository",
    "ObjectionRepository",
    "RecordRepository",
    "Repository",
    "RepositorySpec",
    "RequestRepository",
    "RestrictionRepository",
    "RetentionRepository",
    "Storage",
    "SubjectRepository",
    "SuppressionRepository",
    "TombstoneRepository",
    "UnitOfWork",
    "effective_due",
    "is_open",
]


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
            "update_many",
            "put_fields",
            "delete_fields",
            "delete_fields_of",
            "delete_fields_many",
            "put_index",
            "delete_index",
            "delete_index_of",
            "delete_index_many",
        ),
        reads=(
            "get",
            "find",
            "get_for_update",
            "get_many_for_update",
            "count",
            "ids",
            "fields",
            "fields_of",
            "find_by_index",
        ),
    ),
    RepositorySpec(
        "consents", ConsentRepository, writes=("append",), reads=("history", "histories")
    ),
    RepositorySpec(
        "objections",
        ObjectionRepository,
        writes=("add",),
        reads=("for_subject", "for_subjects"),
    ),
    RepositorySpec(
        "restrictions",
        RestrictionRepository,
        writes=("add", "update"),
        reads=("for_subject", "for_subjects"),
    ),
    RepositorySpec(
        "requests",
        RequestRepository,
        writes=("add", "update"),
        reads=("get", "for_subject", "for_subjects", "open_by_due"),
    ),
    RepositorySpec(
        "interactions",
        InteractionRepository,
        writes=("add", "delete_for_subject"),
        reads=("for_subject",),
    ),
    RepositorySpec("audit", AuditRepository, writes=("append",), reads=("head", "range")),
    RepositorySpec("breaches", BreachRepository, writes=("add", "update"), reads=("get", "all")),
    RepositorySpec(
        "retention",
        RetentionRepository,
        writes=("schedule", "clear", "clear_many", "clear_purposes"),
        reads=("due_before", "for_subject"),
    ),
    RepositorySpec(
        "suppressions",
        SuppressionRepository,
        writes=("add", "purge_before"),
        reads=("contains", "scopes"),
    ),
    RepositorySpec(
        "erasures",
        ErasureRepository,
        writes=("add", "update", "remove", "remove_many"),
        reads=("find", "due_before"),
    ),
    RepositorySpec("tombstones", TombstoneRepository, writes=("add", "add_many"), reads=("all",)),
    RepositorySpec(
        "certificates", CertificateRepository, writes=("add_many",), reads=("get", "for_subject")
    ),
    RepositorySpec(
        "records",
        RecordRepository,
        writes=("add", "update", "delete", "delete_many", "delete_for_subject"),
        reads=("find", "get", "for_subject", "for_subjects", "due_before"),
    ),
    RepositorySpec(
        "notifications",
        NotificationRepository,
        writes=("add", "add_many", "mark_sent"),
        reads=("get", "pending", "for_subject"),
    ),
    RepositorySpec("notices", NoticeRepository, writes=("add",), reads=("all",)),
    RepositorySpec(
        "duties",
        DutyRepository,
        writes=("add", "update", "delete_for_subject", "delete_for_subjects"),
        reads=("get", "pending"),
    ),
)
"""The one registry of repositories. The unit of work, the conformance suite's write
counting, snapshots, differential machine and fault injection are all derived from it;
a test checks that it names every repository of :class:`UnitOfWork` and classifies
every public method of every port."""

_REPOSITORY_NAMES = frozenset(spec.name for spec in REPOSITORIES)


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
    erasures: ErasureRepository
    tombstones: TombstoneRepository
    certificates: CertificateRepository
    notifications: NotificationRepository
    records: RecordRepository
    notices: NoticeRepository
    duties: DutyRepository

    _state = "new"
    read_only = False

    def __enter__(self) -> Self:
        if self._state != "new":
            raise InterfaceError("a unit of work is used once")
        self._begin()
        self._state = "open"
        # Repositories built in __init__ learn their unit here; one built lazily, on
        # first use (not yet in the instance dict), must set ``_owner`` itself.
        for name, repository in self.__dict__.items():
            if name in _REPOSITORY_NAMES and _is_repository(type(repository)):
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

    def purge(self) -> bool:
        """Make rows deleted by committed units unrecoverable from the store's own files,
        as far as the engine allows (SQLite: deleted pages zeroed, the write-ahead log
        checkpointed and truncated). Called after an erasure deletes data (Art. 17).
        Returns False when it could not finish now (another reader held the log); the next
        call finishes it. The default does nothing: nothing to purge."""
        return True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

"""What the conformance tests share: the origin instant, record builders, fault
injection and snapshots, all derived from the one registry of repositories."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gdprcrm.model import (
    AuditEntry,
    DataSubjectRequest,
    Lookup,
    PersonalField,
    RequestKind,
    RequestStatus,
    Subject,
    SubjectId,
)
from gdprcrm.storage.protocols import REPOSITORIES, Storage, UnitOfWork
from gdprcrm.testing.clock import T0 as T0
from gdprcrm.vault.certificate import CertificateSigner, ErasureCertificate, sign_certificate
from gdprcrm.vault.keystore import WrappedKey

WRITE_METHODS: dict[str, tuple[str, ...]] = {spec.name: spec.writes for spec in REPOSITORIES}
"""The repository methods that write: what the fault injector counts (from the registry)."""

PROBE_DIGESTS = (b"\x01" * 32, b"\x02" * 32)
"""The blind-index digests the machine and the snapshots use (suppression look-ups)."""


class FaultInjected(Exception):
    """Raised by :func:`failing_nth_write` in place of the N-th write."""


class _Proxy:
    def __init__(
        self, target: Any, writes: tuple[str, ...], tick: Callable[[str, str], None], name: str
    ) -> None:
        self._target = target
        self._writes = writes
        self._tick = tick
        self._name = name

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name not in self._writes:
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            self._tick(self._name, name)
            return attr(*args, **kwargs)

        return write


class _FaultyUnit:
    """A unit of work whose N-th write raises FaultInjected (before it happens)."""

    def __init__(self, unit: UnitOfWork, fail_at: int) -> None:
        self._unit = unit
        self.writes = 0
        self._fail_at = fail_at
        self.on_write: Callable[[str], object] | None = None
        for name, methods in WRITE_METHODS.items():
            setattr(self, name, _Proxy(getattr(unit, name), methods, self._tick, name))

    def _tick(self, repository: str, method: str) -> None:
        self.writes += 1
        if self.on_write is not None:
            self.on_write(repository)
        if self.writes == self._fail_at:
            raise FaultInjected(f"write {self.writes} ({repository}.{method}) failed on purpose")

    def commit(self) -> None:
        self._unit.commit()


def failing_nth_write(storage: Storage, n: int) -> Callable[[], Any]:
    """A context manager factory: ``with failing_nth_write(storage, 3)() as uow: ...``.

    The unit's third write raises :class:`FaultInjected`; the unit then rolls back.
    """
    import contextlib

    @contextlib.contextmanager
    def unit() -> Iterator[Any]:
        with storage.unit_of_work() as real:
            yield _FaultyUnit(real, n)

    return unit


_FAR = datetime(2200, 1, 1, tzinfo=UTC)

_Reader = Callable[[UnitOfWork, Sequence[SubjectId]], Any]


def _per_subject(read: Callable[[UnitOfWork, SubjectId], Any]) -> _Reader:
    return lambda uow, sids: {str(sid): read(uow, sid) for sid in sids}


SNAPSHOT_READERS: dict[str, _Reader] = {
    "subjects": lambda uow, sids: {
        "count": uow.subjects.count(),
        "records": {str(s): uow.subjects.find(s) for s in sids},
        "fields": {str(s): uow.subjects.fields(s) for s in sids},
    },
    "consents": _per_subject(lambda uow, sid: uow.consents.history(sid)),
    "objections": _per_subject(lambda uow, sid: uow.objections.for_subject(sid)),
    "restrictions": _per_subject(lambda uow, sid: uow.restrictions.for_subject(sid)),
    "requests": lambda uow, sids: {
        "per_subject": {str(s): uow.requests.for_subject(s) for s in sids},
        "open": uow.requests.open_by_due(10_000),
    },
    "interactions": _per_subject(lambda uow, sid: uow.interactions.for_subject(sid)),
    "audit": lambda uow, sids: {"entries": uow.audit.range(0), "head": uow.audit.head()},
    "breaches": lambda uow, sids: uow.breaches.all(),
    "retention": lambda uow, sids: {
        "per_subject": {str(s): uow.retention.for_subject(s) for s in sids},
        "due": uow.retention.due_before(_FAR, 10_000),
    },
    "suppressions": lambda uow, sids: sorted(
        (kind.value, digest.hex(), "all" if scope is None else scope.value)
        for kind in Lookup
        for digest in PROBE_DIGESTS
        for scope in uow.suppressions.scopes(kind, digest)
    ),
    "erasures": lambda uow, sids: {
        "per_subject": {str(s): uow.erasures.find(s) for s in sids},
        "due": uow.erasures.due_before(_FAR, 10_000),
    },
    "tombstones": lambda uow, sids: uow.tombstones.all(),
    "certificates": _per_subject(lambda uow, sid: uow.certificates.for_subject(sid)),
    "notices": lambda uow, sids: uow.notices.all(),
    "duties": lambda uow, sids: {
        "per_subject": {str(s): uow.duties.get(s) for s in sids},
        "pending": uow.duties.pending(10_000),
    },
    "notifications": lambda uow, sids: {
        "per_subject": {str(s): uow.notifications.for_subject(s) for s in sids},
        "pending": uow.notifications.pending(10_000),
    },
    "records": lambda uow, sids: {
        "per_subject": {str(s): uow.records.for_subject(s) for s in sids},
        "invoices": {str(s): uow.records.for_subject(s, "invoice") for s in sids},
        "due": uow.records.due_before(_FAR, 10_000),
    },
}
"""How a snapshot reads each repository; one entry per entry of the registry."""


def snapshot(storage: Storage, subjects: Sequence[SubjectId]) -> dict[str, Any]:
    """Everything readable about ``subjects`` in every repository of the registry, plus
    the global queries, as plain data (what the machine and fault tests compare)."""
    with storage.unit_of_work(read_only=True) as uow:
        return {spec.name: SNAPSHOT_READERS[spec.name](uow, subjects) for spec in REPOSITORIES}


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """The repositories whose snapshots differ, each named with both sides (shortened):
    what a failing conformance test prints instead of a bare inequality."""

    def short(value: Any) -> str:
        text = repr(value)
        return text if len(text) <= 300 else text[:300] + "..."

    return [
        f"uow.{name}: expected {short(expected.get(name))}, adapter has {short(found.get(name))}"
        for name in sorted(set(expected) | set(found))
        if expected.get(name) != found.get(name)
    ]


def _subject(**kwargs: Any) -> Subject:
    values: dict[str, Any] = {
        "id": SubjectId.new(),
        "jurisdiction": "FR",
        "collected_at": T0,
        "purposes": frozenset({"newsletter"}),
    }
    values.update(kwargs)
    return Subject(**values)


def _field(sid: SubjectId, name: str = "email", size: int = 48) -> PersonalField:
    return PersonalField(sid, name, bytes([len(name)]) * size, T0)


def _entry(seq: int, sid: SubjectId | None = None) -> AuditEntry:
    return AuditEntry(seq, T0 + timedelta(seconds=seq), "system", "test.write", sid)


def _request(
    sid: SubjectId, due_days: int, status: RequestStatus = RequestStatus.OPEN
) -> DataSubjectRequest:
    return DataSubjectRequest(
        sid, RequestKind.ACCESS, T0, T0 + timedelta(days=due_days), status=status
    )


def _wrapped(sid: SubjectId, version: int = 1, kek: str = "kek-a") -> WrappedKey:
    return WrappedKey(sid, version, kek, bytes([version]) * 60, bytes([version]) * 8, T0)


@functools.cache
def _signer() -> CertificateSigner:
    """The suite's signer, made on first use (not when the suite is imported)."""
    return CertificateSigner.generate("conformance")


def _certificate(sid: SubjectId, at: datetime = T0, *, scopes: int = 0) -> ErasureCertificate:
    """A signed certificate of ``sid``'s erasure at ``at`` (with ``scopes`` scope ids)."""
    return sign_certificate(
        ErasureCertificate(
            certificate_id=uuid.uuid4(),
            subject_id=sid,
            shredded_at=at,
            issued_at=at,
            destroyed=((1, "07" * 8),),
            signer_id="conformance",
            already_shredded=False,
            scopes=tuple(str(uuid.uuid4()) for _ in range(scopes)),
        ),
        _signer(),
    )

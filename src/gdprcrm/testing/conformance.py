"""The storage-adapter conformance suite: prove an adapter correct by subclassing.

Adapter authors subclass :class:`StorageConformance` in their own test suite, set
``__test__ = True`` and implement one hook, :meth:`StorageConformance.make_storage`
(and :meth:`StorageConformance.capabilities` if the adapter lacks an optional feature)::

    from gdprcrm.testing.conformance import StorageConformance

    class TestMyAdapter(StorageConformance):
        __test__ = True

        def make_storage(self):
            return MyStorage(...)

Every test then runs against the adapter, including a stateful Hypothesis machine that
applies the same random operations to the adapter and to the in-memory reference and
asserts they agree after every step, and a fault-injection test that makes each write of
a multi-record operation fail in turn and checks nothing of it remains. The gdprcrm
adapters (memory, SQLite, PostgreSQL) are tested exactly this way.
:class:`KeyStoreConformance` does the same for the vault's ``KeyStore`` port (hook:
:meth:`KeyStoreConformance.make_key_store`). The import path
``gdprcrm.testing.conformance`` is public API and will not move.
"""

from __future__ import annotations

import abc
import functools
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from gdprcrm import errors
from gdprcrm.errors import KeyShredded, KeyStoreError, NaiveDatetime
from gdprcrm.model import (
    AuditEntry,
    BlindIndexEntry,
    Breach,
    ConsentGiven,
    DataSubjectRequest,
    Direction,
    Interaction,
    InteractionKind,
    Lookup,
    NotificationEvent,
    Objection,
    PersonalField,
    RecipientNotification,
    RequestKind,
    RequestStatus,
    Restriction,
    RestrictionGround,
    RetentionAction,
    RetentionDue,
    Subject,
    SubjectId,
    SubjectStatus,
    SuppressionEntry,
)
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.storage.protocols import Capabilities, Storage, UnitOfWork
from gdprcrm.testing import strategies as gst
from gdprcrm.vault.keystore import KeyStore, Secret, Tombstone, WrappedKey

__all__ = [
    "T0",
    "WRITE_METHODS",
    "DifferentialMachine",
    "FaultInjected",
    "KeyStoreConformance",
    "StorageConformance",
    "failing_nth_write",
    "snapshot",
]

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)

WRITE_METHODS: dict[str, tuple[str, ...]] = {
    "subjects": ("add", "update", "put_fields", "delete_fields", "put_index", "delete_index"),
    "consents": ("append",),
    "objections": ("add",),
    "restrictions": ("add", "update"),
    "requests": ("add", "update"),
    "interactions": ("add", "delete_for_subject"),
    "audit": ("append",),
    "breaches": ("add", "update"),
    "retention": ("schedule", "clear"),
}
"""The repository methods that write: what the fault injector counts."""


class FaultInjected(Exception):
    """Raised by :func:`failing_nth_write` in place of the N-th write."""


class _Proxy:
    def __init__(self, target: Any, writes: tuple[str, ...], tick: Callable[[], None]) -> None:
        self._target = target
        self._writes = writes
        self._tick = tick

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name not in self._writes:
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            self._tick()
            return attr(*args, **kwargs)

        return write


class _FaultyUnit:
    """A unit of work whose N-th write raises FaultInjected (before it happens)."""

    def __init__(self, unit: UnitOfWork, fail_at: int) -> None:
        self._unit = unit
        self.writes = 0
        self._fail_at = fail_at
        for name, methods in WRITE_METHODS.items():
            setattr(self, name, _Proxy(getattr(unit, name), methods, self._tick))

    def _tick(self) -> None:
        self.writes += 1
        if self.writes == self._fail_at:
            raise FaultInjected(f"write {self.writes} failed on purpose")

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


def snapshot(storage: Storage, subjects: list[SubjectId]) -> dict[str, Any]:
    """Everything readable about ``subjects``, plus the global queries, as plain data."""
    far = datetime(2200, 1, 1, tzinfo=UTC)
    with storage.unit_of_work() as uow:
        per_subject = {
            str(sid): {
                "subject": uow.subjects.find(sid),
                "fields": uow.subjects.fields(sid),
                "consents": uow.consents.history(sid),
                "objections": uow.objections.for_subject(sid),
                "restrictions": uow.restrictions.for_subject(sid),
                "requests": uow.requests.for_subject(sid),
                "interactions": uow.interactions.for_subject(sid),
                "retention": uow.retention.for_subject(sid),
            }
            for sid in subjects
        }
        return {
            "subjects": per_subject,
            "count": uow.subjects.count(),
            "audit": uow.audit.range(0),
            "head": uow.audit.head(),
            "open": uow.requests.open_by_due(10_000),
            "due": uow.retention.due_before(far, 10_000),
            "breaches": uow.breaches.all(),
        }


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


class StorageConformance(abc.ABC):
    """The conformance suite. Subclass it, set ``__test__ = True``, implement the hook."""

    __test__ = False

    @abc.abstractmethod
    def make_storage(self) -> Storage:
        """A fresh, empty storage (each test gets its own)."""

    def capabilities(self) -> Capabilities:
        """What the adapter supports; defaults to what the storage declares."""
        storage = self.make_storage()
        try:
            return storage.capabilities
        finally:
            storage.close()

    differential_settings: ClassVar[settings] = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    """How hard the differential machine works; override for a slow adapter."""

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        made = self.make_storage()
        try:
            yield made
        finally:
            made.close()

    # -- unit of work ---------------------------------------------------------------

    def test_commit_makes_writes_visible(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.get(s.id) == s

    def test_leaving_without_commit_rolls_back(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.subjects.put_fields([_field(s.id)])
            uow.audit.append(_entry(0, s.id))
        with storage.unit_of_work() as uow:
            assert uow.subjects.find(s.id) is None
            assert uow.subjects.fields(s.id) == []
            assert uow.audit.head() is None

    def test_an_exception_rolls_back(self, storage: Storage) -> None:
        s = _subject()

        def failing_operation() -> None:
            with storage.unit_of_work() as uow:
                uow.subjects.add(s)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            failing_operation()
        with storage.unit_of_work() as uow:
            assert uow.subjects.find(s.id) is None

    def test_explicit_rollback(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.rollback()
            assert not uow.active
        with storage.unit_of_work() as uow:
            assert uow.subjects.find(s.id) is None

    def test_read_only_units_read_and_refuse_writes(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.audit.append(_entry(0, s.id))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.read_only
            assert uow.subjects.get(s.id) == s
            head = uow.audit.head()
            assert head is not None
            for write in (
                lambda: uow.subjects.add(_subject()),
                lambda: uow.subjects.update(s),
                lambda: uow.subjects.get_for_update(s.id),
                lambda: uow.subjects.put_fields([_field(s.id)]),
                lambda: uow.audit.append(_entry(1, s.id)),
                lambda: uow.retention.clear(s.id),
            ):
                with pytest.raises(errors.ReadOnlyUnit):
                    write()
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.count() == 1
            assert uow.subjects.fields(s.id) == []

    def test_add_many_is_all_or_nothing(self, storage: Storage) -> None:
        first, second, third = _subject(), _subject(), _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add_many([first, second])
            uow.commit()
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.DuplicateRecord):
                uow.subjects.add_many([third, third])
            with pytest.raises(errors.DuplicateRecord):
                uow.subjects.add_many([third, first])
        with storage.unit_of_work() as uow:
            assert uow.subjects.count() == 2
            assert uow.subjects.find(third.id) is None

    def test_nesting_is_an_error(self, storage: Storage) -> None:
        with storage.unit_of_work() as outer:
            outer.subjects.add(_subject())
            with pytest.raises(errors.NestedUnitOfWork):
                storage.unit_of_work().__enter__()
            outer.commit()
        with storage.unit_of_work() as uow:  # the storage is still usable
            assert uow.subjects.count() == 1

    def test_repositories_refuse_use_outside_the_unit(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.commit()
        with pytest.raises(errors.InterfaceError):
            uow.subjects.add(_subject())
        with pytest.raises(errors.InterfaceError):
            uow.notifications.pending()  # first touched after the unit ended
        with pytest.raises(errors.InterfaceError):
            uow.commit()
        unopened = storage.unit_of_work()
        with pytest.raises(errors.InterfaceError):
            unopened.subjects.add(_subject())  # before the unit began
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.subjects.count() == 0  # nothing was written

    def test_closed_storage_gives_a_typed_error(self) -> None:
        storage = self.make_storage()
        storage.close()
        with pytest.raises(errors.InterfaceError), storage.unit_of_work() as uow:
            uow.subjects.count()

    # -- subjects, fields, index ------------------------------------------------------

    def test_subject_round_trip_update_and_count(self, storage: Storage) -> None:
        s = _subject(birth_date=None)
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.commit()
        changed = attrs.evolve(s, status=SubjectStatus.ERASED, purposes=frozenset())
        with storage.unit_of_work() as uow:
            assert uow.subjects.get_for_update(s.id) == s
            uow.subjects.update(changed)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.get(s.id) == changed
            assert uow.subjects.count() == 1

    def test_duplicate_and_unknown_ids(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.commit()
        with pytest.raises(errors.DuplicateRecord), storage.unit_of_work() as uow:
            uow.subjects.add(s)
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.UnknownRecord):
                uow.subjects.get(SubjectId.new())
            with pytest.raises(errors.UnknownRecord):
                uow.subjects.update(_subject())
            with pytest.raises(errors.UnknownRecord):
                uow.requests.get(uuid.uuid4())
            with pytest.raises(errors.UnknownRecord):
                uow.breaches.get(uuid.uuid4())
            assert uow.subjects.count() == 1

    def test_duplicate_does_not_change_the_stored_record(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.commit()
        clash = attrs.evolve(s, jurisdiction="DE")
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.DuplicateRecord):
                uow.subjects.add(clash)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.get(s.id) == s

    def test_fields_upsert_and_delete(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.subjects.put_fields([_field(s.id, "email"), _field(s.id, "name")])
            uow.commit()
        newer = PersonalField(s.id, "email", b"\x01" * 60, T0 + timedelta(days=1))
        with storage.unit_of_work() as uow:
            uow.subjects.put_fields([newer])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.fields(s.id) == [newer, _field(s.id, "name")]
            assert uow.subjects.fields(s.id, ["name"]) == [_field(s.id, "name")]
            assert uow.subjects.delete_fields(s.id, ["name"]) == 1
            assert uow.subjects.delete_fields(s.id) == 1
            assert uow.subjects.fields(s.id) == []
            uow.commit()

    def test_fields_need_their_subject(self, storage: Storage) -> None:
        with pytest.raises(errors.IntegrityError), storage.unit_of_work() as uow:
            uow.subjects.put_fields([_field(SubjectId.new())])

    def test_blind_index_lookup(self, storage: Storage) -> None:
        a, b = _subject(), _subject()
        digest, other = b"\x07" * 32, b"\x08" * 32
        with storage.unit_of_work() as uow:
            uow.subjects.add(a)
            uow.subjects.add(b)
            uow.subjects.put_index(
                [
                    BlindIndexEntry(a.id, "email", Lookup.EMAIL, digest),
                    BlindIndexEntry(b.id, "email", Lookup.EMAIL, other),
                    BlindIndexEntry(b.id, "phone", Lookup.PHONE, digest),
                ]
            )
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.find_by_index(Lookup.EMAIL, digest) == [a.id]
            assert uow.subjects.find_by_index(Lookup.PHONE, digest) == [b.id]
            assert uow.subjects.find_by_index(Lookup.EXACT, digest) == []
            assert uow.subjects.delete_index(b.id) == 2
            assert uow.subjects.find_by_index(Lookup.EMAIL, other) == []
            uow.commit()

    # -- events and records -----------------------------------------------------------

    def test_consent_history_until_an_instant(self, storage: Storage) -> None:
        s = _subject()
        given = ConsentGiven(s.id, "newsletter", T0, "web", "v1")
        later = ConsentGiven(s.id, "profiling", T0 + timedelta(days=2), "web", "v1")
        withdrawn = given.withdraw(T0 + timedelta(days=5), "email")
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            for event in (withdrawn, given, later):
                uow.consents.append(event)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.consents.history(s.id) == [given, later, withdrawn]
            assert uow.consents.history(s.id, "newsletter") == [given, withdrawn]
            assert uow.consents.history(s.id, "newsletter", T0 + timedelta(days=4)) == [given]
            assert uow.consents.history(s.id, until=T0 + timedelta(days=5)) == [
                given,
                later,
                withdrawn,
            ]
            with pytest.raises(errors.DuplicateRecord):
                uow.consents.append(given)

    def test_objections_restrictions_interactions(self, storage: Storage) -> None:
        s = _subject()
        objection = Objection(s.id, T0, direct_marketing=True)
        restriction = Restriction(s.id, RestrictionGround.ACCURACY_CONTESTED, T0)
        lifted = restriction.lift(T0 + timedelta(days=1), T0 + timedelta(days=2))
        talk = Interaction(
            s.id,
            T0,
            InteractionKind.DATA_USE,
            Direction.OUTBOUND,
            "newsletter",
            "email",
            content=b"\x09" * 64,
        )
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.objections.add(objection)
            uow.restrictions.add(restriction)
            uow.interactions.add(talk)
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.restrictions.update(lifted)
            assert uow.objections.for_subject(s.id) == [objection]
            assert uow.restrictions.for_subject(s.id) == [lifted]
            assert uow.interactions.for_subject(s.id) == [talk]
            assert uow.interactions.delete_for_subject(s.id) == 1
            with pytest.raises(errors.UnknownRecord):
                uow.restrictions.update(Restriction(s.id, RestrictionGround.OBJECTION_PENDING, T0))
            uow.commit()

    def test_open_requests_soonest_due_first(self, storage: Storage) -> None:
        s = _subject()
        late, soon, done = (
            _request(s.id, 30),
            _request(s.id, 3),
            _request(s.id, 1, RequestStatus.COMPLETED),
        )
        extended = attrs.evolve(
            _request(s.id, 2),
            status=RequestStatus.EXTENDED,
            extended_due_at=T0 + timedelta(days=60),
        )
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            for r in (late, soon, done, extended):
                uow.requests.add(r)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.requests.open_by_due() == [soon, late, extended]
            assert uow.requests.open_by_due(limit=1) == [soon]
            closed = attrs.evolve(soon, status=RequestStatus.COMPLETED, closed_at=T0)
            uow.requests.update(closed)
            assert uow.requests.open_by_due() == [late, extended]
            assert uow.requests.get(soon.id) == closed
            uow.commit()

    def test_audit_sequence_has_no_gap(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            assert uow.audit.head() is None
            with pytest.raises(errors.SequenceGap):
                uow.audit.append(_entry(1))
            uow.audit.append(_entry(0))
            uow.audit.append(_entry(1))
            with pytest.raises(errors.SequenceGap):
                uow.audit.append(_entry(1))
            with pytest.raises(errors.SequenceGap):
                uow.audit.append(_entry(3))
            uow.commit()
        with storage.unit_of_work() as uow:
            head = uow.audit.head()
            assert head is not None
            assert head.sequence == 1
            uow.audit.append(_entry(2))
            assert [e.sequence for e in uow.audit.range(1)] == [1, 2]
            assert [e.sequence for e in uow.audit.range(0, 2)] == [0, 1]
            uow.commit()

    def test_breaches(self, storage: Storage) -> None:
        first = Breach(T0, "stolen laptop", {"contact.email"}, 120, 360)
        second = Breach(T0 - timedelta(days=1), "misdirected email", approx_subjects=1)
        with storage.unit_of_work() as uow:
            uow.breaches.add(first)
            uow.breaches.add(second)
            uow.commit()
        notified = attrs.evolve(first, notified_authority_at=T0 + timedelta(hours=30))
        with storage.unit_of_work() as uow:
            uow.breaches.update(notified)
            assert uow.breaches.all() == [second, notified]
            assert uow.breaches.get(first.id) == notified
            uow.commit()

    def test_retention_due_before_is_ordered_and_limited(self, storage: Storage) -> None:
        subjects = [_subject() for _ in range(5)]
        dues = [
            RetentionDue(s.id, "newsletter", T0 + timedelta(days=10 * i), RetentionAction.ERASE)
            for i, s in enumerate(subjects)
        ]
        with storage.unit_of_work() as uow:
            for s in subjects:
                uow.subjects.add(s)
            uow.retention.schedule(list(reversed(dues)))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.retention.due_before(T0 + timedelta(days=20)) == dues[:3]
            assert uow.retention.due_before(T0 + timedelta(days=100), limit=2) == dues[:2]
            moved = attrs.evolve(dues[0], due_at=T0 + timedelta(days=1000))
            uow.retention.schedule([moved])
            assert uow.retention.due_before(T0 + timedelta(days=20)) == dues[1:3]
            assert uow.retention.clear(subjects[1].id) == 1
            assert uow.retention.due_before(T0 + timedelta(days=20)) == dues[2:3]
            assert uow.retention.for_subject(subjects[0].id) == [moved]
            uow.commit()

    def test_suppression_list(self, storage: Storage) -> None:
        digest = b"\x42" * 32
        with storage.unit_of_work() as uow:
            assert not uow.suppressions.contains(Lookup.EMAIL, digest)
            uow.suppressions.add(SuppressionEntry(digest, Lookup.EMAIL, T0))
            uow.suppressions.add(SuppressionEntry(digest, Lookup.EMAIL, T0))  # harmless
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.suppressions.contains(Lookup.EMAIL, digest)
            assert not uow.suppressions.contains(Lookup.PHONE, digest)

    def test_notification_queue(self, storage: Storage) -> None:
        a, b = _subject(), _subject()
        queued = [
            RecipientNotification(a.id, "mailer", NotificationEvent.ERASURE, T0 + timedelta(2)),
            RecipientNotification(b.id, "mailer", NotificationEvent.RECTIFICATION, T0),
            RecipientNotification(a.id, "bank", NotificationEvent.RESTRICTION, T0 + timedelta(1)),
        ]
        with storage.unit_of_work() as uow:
            uow.subjects.add(a)
            uow.subjects.add(b)
            for n in queued:
                uow.notifications.add(n)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.notifications.pending() == [queued[1], queued[2], queued[0]]
            assert uow.notifications.pending(limit=1) == [queued[1]]
            assert uow.notifications.for_subject(a.id) == [queued[2], queued[0]]
            sent = uow.notifications.mark_sent(queued[1].id, T0 + timedelta(3))
            assert sent == attrs.evolve(queued[1], sent_at=T0 + timedelta(3))
            again = uow.notifications.mark_sent(queued[1].id, T0 + timedelta(9))
            assert again == sent  # reporting twice keeps the first report
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.notifications.pending() == [queued[2], queued[0]]
            assert uow.notifications.get(queued[1].id) == sent
            assert uow.notifications.for_subject(b.id) == [sent]
            with pytest.raises(errors.UnknownRecord):
                uow.notifications.get(uuid.uuid4())
        ties = [
            RecipientNotification(b.id, f"r{i}", NotificationEvent.ERASURE, T0) for i in range(6)
        ]
        with storage.unit_of_work() as uow:
            for n in ties:
                uow.notifications.add(n)
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            # Ties on the time are broken by id, the same way with or without a limit.
            ordered = sorted(ties, key=lambda n: str(n.id))
            assert uow.notifications.pending(limit=3) == ordered[:3]
            assert uow.notifications.pending()[:6] == ordered

    # -- bad input ------------------------------------------------------------------------

    @pytest.mark.parametrize(
        "call",
        [
            lambda u: u.subjects.add("not a subject"),
            lambda u: u.subjects.find("not an id"),
            lambda u: u.subjects.put_fields([object()]),
            lambda u: u.subjects.put_fields("abc"),
            lambda u: u.subjects.find_by_index(Lookup.EMAIL, b"short"),
            lambda u: u.consents.append({"purpose": "x"}),
            lambda u: u.consents.history(SubjectId.new(), until=datetime(2026, 1, 1)),
            lambda u: u.audit.range(-1),
            lambda u: u.requests.open_by_due(-5),
            lambda u: u.retention.due_before(datetime(2026, 1, 1)),
            lambda u: u.notifications.add("not a notification"),
            lambda u: u.notifications.pending(-1),
            lambda u: u.notifications.mark_sent(uuid.uuid4(), datetime(2026, 1, 1)),
        ],
    )
    def test_bad_input_gives_a_typed_error_and_changes_nothing(
        self, storage: Storage, call: Callable[[UnitOfWork], object]
    ) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            with pytest.raises(errors.InvalidInput):
                call(uow)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.count() == 1

    def test_oversized_batches_are_refused(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            with pytest.raises(errors.DataError):
                uow.retention.schedule(
                    [RetentionDue(s.id, "newsletter", T0, RetentionAction.ERASE)] * 100_001
                )

    # -- atomicity under faults ---------------------------------------------------------

    def _multi_record_operation(self, uow: Any, s: Subject) -> None:
        uow.subjects.add(s)
        uow.subjects.put_fields([_field(s.id, "email"), _field(s.id, "name")])
        uow.subjects.put_index([BlindIndexEntry(s.id, "email", Lookup.EMAIL, b"\x05" * 32)])
        uow.consents.append(ConsentGiven(s.id, "newsletter", T0, "web", "v1"))
        uow.retention.schedule([RetentionDue(s.id, "newsletter", T0, RetentionAction.ERASE)])
        uow.requests.add(_request(s.id, 30))
        uow.interactions.add(
            Interaction(s.id, T0, InteractionKind.CONTACT, Direction.INBOUND, "newsletter", "web")
        )
        uow.audit.append(_entry(0, s.id))
        uow.commit()

    def test_a_failure_at_any_write_leaves_nothing_behind(self, storage: Storage) -> None:
        s = _subject()
        writes = 8
        empty = snapshot(storage, [s.id])
        for n in range(1, writes + 1):
            with pytest.raises(FaultInjected), failing_nth_write(storage, n)() as uow:
                self._multi_record_operation(uow, s)
            assert snapshot(storage, [s.id]) == empty, f"write {n} left something behind"
        with failing_nth_write(storage, writes + 1)() as uow:
            self._multi_record_operation(uow, s)
        assert snapshot(storage, [s.id]) != empty

    # -- concurrency -------------------------------------------------------------------

    def test_threads_racing_on_one_subject_lose_nothing(self, storage: Storage) -> None:
        s = _subject(purposes=frozenset())
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.commit()
        failures: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                for attempt in range(5):
                    with storage.unit_of_work() as uow:
                        current = uow.subjects.get_for_update(s.id)
                        uow.subjects.update(
                            attrs.evolve(current, purposes=current.purposes | {f"p{n}-{attempt}"})
                        )
                        head = uow.audit.head()
                        uow.audit.append(_entry(0 if head is None else head.sequence + 1, s.id))
                        uow.commit()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        with storage.unit_of_work() as uow:
            purposes = uow.subjects.get(s.id).purposes
            sequences = [e.sequence for e in uow.audit.range(0)]
        assert purposes == {f"p{n}-{a}" for n in range(4) for a in range(5)}
        assert sequences == list(range(20))

    # -- differential -------------------------------------------------------------------

    def test_agrees_with_the_memory_reference(self) -> None:
        factory = self.make_storage
        machine = type(
            f"{type(self).__name__}Machine",
            (DifferentialMachine,),
            {"factory": staticmethod(factory)},
        )
        run_state_machine_as_test(machine, settings=self.differential_settings)


_names = st.sampled_from(["email", "name", "phone"])
_purposes = st.sampled_from(["newsletter", "profiling", "support"])
_offsets = st.integers(0, 400).map(lambda d: T0 + timedelta(days=d))


class DifferentialMachine(RuleBasedStateMachine):
    """The same random operations on an adapter and on the memory reference."""

    factory: ClassVar[Callable[[], Storage]]

    subjects = Bundle("subjects")
    consents = Bundle("consents")
    restrictions = Bundle("restrictions")
    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        self.reference: Storage = MemoryStorage()
        self.tested: Storage = type(self).factory()
        self.known: list[SubjectId] = []
        self.breach_ids: list[uuid.UUID] = []

    def both(self, action: Callable[[Any], Any], *, commit: bool = True) -> list[Any]:
        """Run ``action`` in a unit on each storage; both must succeed or fail alike."""
        outcomes: list[Any] = []
        for storage in (self.reference, self.tested):
            try:
                with storage.unit_of_work() as uow:
                    result = action(uow)
                    if commit:
                        uow.commit()
                outcomes.append(("ok", result))
            except errors.GdprCrmError as exc:
                outcomes.append(("error", type(exc)))
        assert outcomes[0] == outcomes[1], f"reference {outcomes[0]} vs adapter {outcomes[1]}"
        return outcomes

    @rule(target=subjects, subject=gst.subjects(purpose_ids=["newsletter"], adult=None))
    def add_subject(self, subject: Subject) -> SubjectId:
        self.both(lambda u: u.subjects.add(subject))
        self.known.append(subject.id)
        return subject.id

    @rule(sid=subjects, status=st.sampled_from(list(SubjectStatus)), purpose=_purposes)
    def update_subject(self, sid: SubjectId, status: SubjectStatus, purpose: str) -> None:
        def act(u: UnitOfWork) -> None:
            current = u.subjects.get_for_update(sid)
            u.subjects.update(
                attrs.evolve(current, status=status, purposes=current.purposes | {purpose})
            )

        self.both(act)

    @rule(
        sid=subjects,
        names=st.lists(_names, min_size=1, max_size=3, unique=True),
        size=st.integers(0, 300),
        day=_offsets,
    )
    def put_fields(self, sid: SubjectId, names: list[str], size: int, day: datetime) -> None:
        fields = [PersonalField(sid, n, bytes([size % 256]) * size, day) for n in names]
        self.both(lambda u: u.subjects.put_fields(fields))

    @rule(sid=subjects, names=st.none() | st.lists(_names, max_size=2))
    def delete_fields(self, sid: SubjectId, names: list[str] | None) -> None:
        self.both(lambda u: u.subjects.delete_fields(sid, names))

    @rule(
        sid=subjects,
        field=_names,
        kind=st.sampled_from(list(Lookup)),
        digest=st.sampled_from([b"\x01" * 32, b"\x02" * 32]),
    )
    def put_index(self, sid: SubjectId, field: str, kind: Lookup, digest: bytes) -> None:
        self.both(lambda u: u.subjects.put_index([BlindIndexEntry(sid, field, kind, digest)]))

    @rule(sid=subjects)
    def delete_index(self, sid: SubjectId) -> None:
        self.both(lambda u: u.subjects.delete_index(sid))

    @rule(target=consents, sid=subjects, purpose=_purposes, at=_offsets)
    def give_consent(self, sid: SubjectId, purpose: str, at: datetime) -> ConsentGiven:
        event = ConsentGiven(sid, purpose, at, "web", "v1")
        self.both(lambda u: u.consents.append(event))
        return event

    @rule(given=consumes(consents), days=st.integers(0, 100))
    def withdraw(self, given: ConsentGiven, days: int) -> None:
        event = given.withdraw(given.at + timedelta(days=days), "email")
        self.both(lambda u: u.consents.append(event))

    @rule(sid=subjects, at=_offsets, marketing=st.booleans())
    def object_(self, sid: SubjectId, at: datetime, marketing: bool) -> None:
        objection = (
            Objection(sid, at, direct_marketing=True)
            if marketing
            else Objection(sid, at, purpose_id="profiling")
        )
        self.both(lambda u: u.objections.add(objection))

    @rule(target=restrictions, sid=subjects, at=_offsets)
    def restrict(self, sid: SubjectId, at: datetime) -> Restriction:
        restriction = Restriction(sid, RestrictionGround.ACCURACY_CONTESTED, at)
        self.both(lambda u: u.restrictions.add(restriction))
        return restriction

    @rule(restriction=consumes(restrictions))
    def lift(self, restriction: Restriction) -> None:
        lifted = restriction.lift(restriction.at, restriction.at + timedelta(days=1))
        self.both(lambda u: u.restrictions.update(lifted))

    @rule(target=requests, sid=subjects, days=st.integers(1, 90))
    def receive_request(self, sid: SubjectId, days: int) -> DataSubjectRequest:
        request = _request(sid, days)
        self.both(lambda u: u.requests.add(request))
        return request

    @rule(request=consumes(requests), status=st.sampled_from(list(RequestStatus)))
    def change_request(self, request: DataSubjectRequest, status: RequestStatus) -> None:
        changed = attrs.evolve(request, status=status)
        self.both(lambda u: u.requests.update(changed))

    @rule(sid=subjects, at=_offsets, content=st.none() | st.binary(max_size=64))
    def interact(self, sid: SubjectId, at: datetime, content: bytes | None) -> None:
        item = Interaction(
            sid,
            at,
            InteractionKind.CONTACT,
            Direction.INBOUND,
            "support",
            "phone",
            content=content,
        )
        self.both(lambda u: u.interactions.add(item))

    @rule(sid=subjects)
    def forget_interactions(self, sid: SubjectId) -> None:
        self.both(lambda u: u.interactions.delete_for_subject(sid))

    @rule(sid=st.none() | subjects)
    def audit(self, sid: SubjectId | None) -> None:
        def act(u: UnitOfWork) -> None:
            head = u.audit.head()
            u.audit.append(_entry(0 if head is None else head.sequence + 1, sid))

        self.both(act)

    @rule(
        sid=subjects,
        purpose=_purposes,
        due=_offsets,
        action=st.sampled_from(list(RetentionAction)),
    )
    def schedule(
        self, sid: SubjectId, purpose: str, due: datetime, action: RetentionAction
    ) -> None:
        self.both(lambda u: u.retention.schedule([RetentionDue(sid, purpose, due, action)]))

    @rule(sid=subjects, purpose=st.none() | _purposes)
    def clear_retention(self, sid: SubjectId, purpose: str | None) -> None:
        self.both(lambda u: u.retention.clear(sid, purpose))

    @rule(at=_offsets, people=st.integers(0, 1000))
    def breach(self, at: datetime, people: int) -> None:
        record = Breach(at, "incident", {"contact.email"}, people, people * 2)
        self.both(lambda u: u.breaches.add(record))
        self.breach_ids.append(record.id)

    @rule(subject=gst.subjects(purpose_ids=["newsletter"]), sid=subjects)
    def aborted_unit(self, subject: Subject, sid: SubjectId) -> None:
        def act(u: UnitOfWork) -> None:
            u.subjects.add(subject)
            u.subjects.put_fields([PersonalField(sid, "email", b"\x03" * 40, T0)])
            u.consents.append(ConsentGiven(sid, "newsletter", T0, "web", "v1"))

        self.both(act, commit=False)

    @rule(sid=subjects)
    def duplicate_subject(self, sid: SubjectId) -> None:
        def act(u: UnitOfWork) -> None:
            u.subjects.add(u.subjects.get(sid))

        self.both(act)

    @invariant()
    def agree(self) -> None:
        assert snapshot(self.reference, self.known) == snapshot(self.tested, self.known)
        for digest in (b"\x01" * 32, b"\x02" * 32):
            for kind in Lookup:
                self.both(functools.partial(_find, kind=kind, digest=digest), commit=False)
        for day in (0, 100, 400):
            at = T0 + timedelta(days=day)
            self.both(functools.partial(_due, at=at), commit=False)
            if self.known:
                self.both(functools.partial(_history, sid=self.known[0], at=at), commit=False)

    def teardown(self) -> None:
        self.reference.close()
        self.tested.close()


def _find(u: UnitOfWork, *, kind: Lookup, digest: bytes) -> list[SubjectId]:
    return u.subjects.find_by_index(kind, digest)


def _due(u: UnitOfWork, *, at: datetime) -> list[RetentionDue]:
    return u.retention.due_before(at, 7)


def _history(u: UnitOfWork, *, sid: SubjectId, at: datetime) -> list[Any]:
    return u.consents.history(sid, until=at)


def _wrapped(sid: SubjectId, version: int = 1, kek: str = "kek-a") -> WrappedKey:
    return WrappedKey(sid, version, kek, bytes([version]) * 60, bytes([version]) * 8, T0)


class KeyStoreConformance(abc.ABC):
    """The invariants every vault KeyStore keeps. Subclass, set ``__test__ = True``,
    implement :meth:`make_key_store`."""

    __test__ = False

    @abc.abstractmethod
    def make_key_store(self) -> KeyStore:
        """A fresh, empty key store."""

    @pytest.fixture
    def key_store(self) -> Iterator[KeyStore]:
        made = self.make_key_store()
        try:
            yield made
        finally:
            made.close()

    def test_keys_put_get_latest(self, key_store: KeyStore) -> None:
        sid = SubjectId.new()
        assert key_store.latest(sid) is None
        key_store.put(_wrapped(sid, 1))
        key_store.put(_wrapped(sid, 2))
        assert key_store.get(sid, 1) == _wrapped(sid, 1)
        assert key_store.latest(sid) == _wrapped(sid, 2)
        assert key_store.get(sid, 3) is None
        with pytest.raises(KeyStoreError):
            key_store.put(_wrapped(sid, 2))

    def test_shred_destroys_all_versions_atomically_and_refuses_reinsertion(
        self, key_store: KeyStore
    ) -> None:
        sid, other = SubjectId.new(), SubjectId.new()
        key_store.put(_wrapped(sid, 1))
        key_store.put(_wrapped(sid, 2))
        key_store.put(_wrapped(other, 1))
        stone, fresh = key_store.shred(sid, T0)
        assert fresh
        assert stone.destroyed == ((1, bytes([1]) * 8), (2, bytes([2]) * 8))
        assert key_store.get(sid, 1) is None
        assert key_store.latest(sid) is None
        assert key_store.latest(other) == _wrapped(other, 1)
        for version in (1, 2, 3):
            with pytest.raises(KeyShredded):
                key_store.put(_wrapped(sid, version))
        again, fresh_again = key_store.shred(sid, T0.replace(year=2027))
        assert not fresh_again
        assert again == stone
        assert key_store.tombstone(sid) == stone
        assert list(key_store.tombstones()) == [stone]
        with pytest.raises(NaiveDatetime):
            key_store.shred(SubjectId.new(), datetime(2026, 1, 1))

    def test_keys_restore_tombstones(self, key_store: KeyStore) -> None:
        sid, fresh_sid = SubjectId.new(), SubjectId.new()
        key_store.put(_wrapped(sid))
        stones = [Tombstone(sid, T0, ((1, b"k" * 8),)), Tombstone(fresh_sid, T0)]
        assert key_store.restore_tombstones(stones) == 2
        assert key_store.latest(sid) is None
        with pytest.raises(KeyShredded):
            key_store.put(_wrapped(fresh_sid))
        assert key_store.restore_tombstones(stones) == 0

    def test_keys_batches_and_rewrap(self, key_store: KeyStore) -> None:
        subjects = [SubjectId.new() for _ in range(11)]
        for s in subjects:
            key_store.put(_wrapped(s))
        batches = list(key_store.key_batches(4))
        assert [len(b) for b in batches] == [4, 4, 3]
        everything = [k for b in batches for k in b]
        key_store.shred(subjects[0], T0)
        moved = [
            WrappedKey(k.subject_id, k.version, "kek-b", b"w" * 60, k.kcv, k.created_at)
            for k in everything
        ]
        assert key_store.rewrap(moved) == 10  # the shredded one is skipped, not resurrected
        assert key_store.latest(subjects[0]) is None
        assert {k.kek_id for b in key_store.key_batches() for k in b} == {"kek-b"}

    def test_keys_secrets(self, key_store: KeyStore) -> None:
        assert key_store.get_secret("index") is None
        key_store.put_secret(Secret("index", "kek-a", b"x" * 60))
        with pytest.raises(KeyStoreError):
            key_store.put_secret(Secret("index", "kek-a", b"y" * 60))
        key_store.put_secret(Secret("index", "kek-b", b"y" * 60), replace=True)
        assert key_store.get_secret("index") == Secret("index", "kek-b", b"y" * 60)

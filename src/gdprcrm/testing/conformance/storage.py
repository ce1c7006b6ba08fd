"""StorageConformance: the tests every storage adapter passes (one hook, make_storage)."""

from __future__ import annotations

import abc
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    run_state_machine_as_test,
)

from gdprcrm import errors
from gdprcrm.model import (
    BlindIndexEntry,
    Breach,
    ConsentGiven,
    Direction,
    Interaction,
    InteractionKind,
    Lookup,
    NotificationEvent,
    Objection,
    PersonalField,
    RecipientNotification,
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
from gdprcrm.storage.protocols import REPOSITORIES, Capabilities, Storage, UnitOfWork
from gdprcrm.testing.conformance._support import (
    PROBE_DIGESTS,
    T0,
    FaultInjected,
    _entry,
    _FaultyUnit,
    _field,
    _request,
    _subject,
    failing_nth_write,
    snapshot,
)
from gdprcrm.testing.conformance.machine import DifferentialMachine


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
        uow.objections.add(Objection(s.id, T0, direct_marketing=True))
        uow.restrictions.add(Restriction(s.id, RestrictionGround.ACCURACY_CONTESTED, T0))
        uow.breaches.add(Breach(T0, "incident", {"contact.email"}, 1, 1))
        uow.suppressions.add(SuppressionEntry(PROBE_DIGESTS[0], Lookup.EMAIL, T0))
        uow.notifications.add(RecipientNotification(s.id, "mailer", NotificationEvent.ERASURE, T0))
        uow.commit()

    def test_the_unit_offers_every_repository_of_the_registry(self, storage: Storage) -> None:
        with storage.unit_of_work(read_only=True) as uow:
            for spec in REPOSITORIES:
                repository = getattr(uow, spec.name, None)
                assert isinstance(repository, spec.port), (
                    f"uow.{spec.name} is {type(repository).__name__}, "
                    f"not a {spec.port.__name__}"
                )

    def test_the_multi_record_operation_writes_to_every_repository(self, storage: Storage) -> None:
        # The fault test below is only as good as its operation: it must touch every
        # repository of the registry, so that a new repository cannot escape it.
        touched: set[str] = set()
        with storage.unit_of_work() as real:
            probe = _FaultyUnit(real, fail_at=0)
            probe.on_write = touched.add
            self._multi_record_operation(probe, _subject())
        missed = {spec.name for spec in REPOSITORIES} - touched
        assert not missed, f"the fault test never writes to {sorted(missed)}"

    def test_a_failure_at_any_write_leaves_nothing_behind(self, storage: Storage) -> None:
        s = _subject()
        writes = 13
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

"""StorageConformance: the tests every storage adapter passes (one hook, make_storage)."""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    run_state_machine_as_test,
)

from gdprcrm.model import (
    BlindIndexEntry,
    Breach,
    ConsentGiven,
    Direction,
    InformationDuty,
    Interaction,
    InteractionKind,
    Lookup,
    NoticeVersion,
    NotificationEvent,
    Objection,
    PendingErasure,
    RecipientNotification,
    Record,
    RecordId,
    Restriction,
    RestrictionGround,
    RetentionAction,
    RetentionDue,
    Subject,
    SuppressionEntry,
)
from gdprcrm.storage.protocols import REPOSITORIES, Capabilities, Storage
from gdprcrm.testing.conformance._support import (
    PROBE_DIGESTS,
    T0,
    FaultInjected,
    _certificate,
    _entry,
    _FaultyUnit,
    _field,
    _request,
    _subject,
    differences,
    failing_nth_write,
    snapshot,
)
from gdprcrm.testing.conformance.bulk import BulkTests
from gdprcrm.testing.conformance.durability import DurabilityTests
from gdprcrm.testing.conformance.lists import CertificateTests, ListTests
from gdprcrm.testing.conformance.machine import DifferentialMachine
from gdprcrm.testing.conformance.records import RecordTests
from gdprcrm.testing.conformance.subject_records import SubjectRecordTests
from gdprcrm.testing.conformance.units import UnitOfWorkTests
from gdprcrm.vault.keystore import Tombstone


class StorageConformance(
    UnitOfWorkTests,
    RecordTests,
    ListTests,
    CertificateTests,
    SubjectRecordTests,
    BulkTests,
    DurabilityTests,
    abc.ABC,
):
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
        # filter_too_much: most rules need a subject first, so the first steps of a run
        # discard many of the rules drawn
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    """How hard the differential machine works; override for a slow adapter."""

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        made = self.make_storage()
        try:
            yield made
        finally:
            made.close()

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
        uow.erasures.add(PendingErasure(s.id, T0, resume_at=T0))
        uow.tombstones.add(Tombstone(s.id, T0, ((1, b"\x07" * 8),)))
        uow.certificates.add_many([_certificate(s.id)])
        uow.suppressions.add(SuppressionEntry(PROBE_DIGESTS[0], Lookup.EMAIL, T0))
        uow.notifications.add(RecipientNotification(s.id, "mailer", NotificationEvent.ERASURE, T0))
        uow.records.add(Record(RecordId.new(), s.id, "invoice", T0, T0, T0, T0, b"\x04" * 40))
        uow.notices.add(NoticeVersion(f"v-{s.id}", T0, (("newsletter", "d" * 64),)))
        uow.duties.add(InformationDuty(s.id, T0, T0 + timedelta(days=30)))
        uow.commit()

    def test_the_unit_offers_every_repository_of_the_registry(self, storage: Storage) -> None:
        with storage.unit_of_work(read_only=True) as uow:
            for spec in REPOSITORIES:
                repository = getattr(uow, spec.name, None)
                assert isinstance(repository, spec.port), (
                    f"uow.{spec.name} is {type(repository).__name__}, not a {spec.port.__name__}"
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
        writes = 19
        empty = snapshot(storage, [s.id])
        for n in range(1, writes + 1):
            with pytest.raises(FaultInjected), failing_nth_write(storage, n)() as uow:
                self._multi_record_operation(uow, s)
            left = differences(empty, snapshot(storage, [s.id]))
            assert not left, f"a failure at write {n} left something behind: " + "; ".join(left)
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
            t.join(timeout=120)
        hung = sum(t.is_alive() for t in threads)
        assert not hung, (
            f"{hung} of 4 writers still blocked after 120 s on get_for_update/audit.head: "
            "a lock is never released, or units wait on each other"
        )
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

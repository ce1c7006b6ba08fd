"""The record tests of the storage conformance suite: every repository's contract
(part of :class:`gdprcrm.testing.conformance.StorageConformance`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import pytest

from gdprcrm import errors
from gdprcrm.model import (
    BlindIndexEntry,
    Breach,
    ConsentGiven,
    Direction,
    ErasureStep,
    Interaction,
    InteractionKind,
    Lookup,
    NotificationEvent,
    Objection,
    PendingErasure,
    PersonalField,
    RecipientNotification,
    RequestStatus,
    Restriction,
    RestrictionGround,
    RetentionAction,
    RetentionDue,
    SubjectId,
    SubjectStatus,
)
from gdprcrm.storage.protocols import Storage, UnitOfWork
from gdprcrm.testing.conformance._support import (
    T0,
    _entry,
    _field,
    _request,
    _subject,
)
from gdprcrm.vault.keystore import Tombstone

__all__ = ["RecordTests"]


class RecordTests:
    """Each repository stores and returns what its port promises; bad input is refused."""

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

    def test_subject_ids_page_in_byte_order(self, storage: Storage) -> None:
        subjects = [_subject() for _ in range(7)]
        with storage.unit_of_work() as uow:
            uow.subjects.add_many(subjects)
            uow.commit()
        expected = sorted((s.id for s in subjects), key=lambda sid: sid.bytes)
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.subjects.ids() == expected, "subjects.ids: every id, by its bytes"
            pages, after = [], None
            while page := uow.subjects.ids(after, limit=3):
                pages.append(page)
                after = page[-1]
            assert [len(p) for p in pages] == [3, 3, 1], "subjects.ids: pages of limit"
            assert [sid for p in pages for sid in p] == expected, "subjects.ids: no gap"
            with pytest.raises(errors.InvalidInput):
                uow.subjects.ids(limit=0)

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

    def test_blind_index_entries_of_some_fields_are_deleted_alone(self, storage: Storage) -> None:
        # A lookup value erased (a purpose's expiry) must not stay findable (Art. 17).
        a, b = _subject(), _subject()
        mail, phone = b"\x09" * 32, b"\x0a" * 32
        with storage.unit_of_work() as uow:
            uow.subjects.add_many([a, b])
            uow.subjects.put_index(
                [
                    BlindIndexEntry(a.id, "email", Lookup.EMAIL, mail),
                    BlindIndexEntry(a.id, "phone", Lookup.PHONE, phone),
                    BlindIndexEntry(b.id, "email", Lookup.EMAIL, mail),
                ]
            )
            uow.commit()
        with storage.unit_of_work() as uow:
            for bad in ("email", [b"email"]):
                with pytest.raises(errors.InvalidInput):
                    uow.subjects.delete_index(a.id, bad)  # type: ignore[arg-type]
            assert uow.subjects.delete_index(a.id, []) == 0
            assert uow.subjects.delete_index(a.id, ["email", "name"]) == 1
            assert uow.subjects.find_by_index(Lookup.EMAIL, mail) == [b.id]  # b's stays
            assert uow.subjects.find_by_index(Lookup.PHONE, phone) == [a.id]  # a's phone too
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.find_by_index(Lookup.EMAIL, mail) == [b.id]
            assert uow.subjects.delete_index(a.id, ["email"]) == 0
            assert uow.subjects.delete_index(a.id) == 1

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

    def test_the_audit_head_follows_commits_only(self, storage: Storage) -> None:
        # An adapter may write the head once per unit (the SQL ones do, at commit): the
        # head another unit reads is the last entry committed, whatever a unit that did
        # not commit appended.
        with storage.unit_of_work() as uow:
            for sequence in range(4):
                uow.audit.append(_entry(sequence))
            assert uow.audit.head() == _entry(3)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.audit.head() == _entry(3)
            uow.audit.append(_entry(4))
            uow.audit.append(_entry(5))  # never committed
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.audit.head() == _entry(3)
            assert [e.sequence for e in uow.audit.range(0)] == [0, 1, 2, 3]
        with storage.unit_of_work() as uow:
            uow.audit.append(_entry(4))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.audit.head() == _entry(4)

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

    def test_erasures_in_progress(self, storage: Storage) -> None:
        a, b, c = _subject(), _subject(), _subject()
        first = PendingErasure(a.id, T0, resume_at=T0 + timedelta(days=2))
        second = PendingErasure(b.id, T0, resume_at=T0 + timedelta(days=1))
        waiting = PendingErasure(c.id, T0, step=ErasureStep.HELD)  # no date: never due
        with storage.unit_of_work() as uow:
            for e in (first, second, waiting):
                uow.erasures.add(e)
            with pytest.raises(errors.DuplicateRecord):
                uow.erasures.add(first)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.erasures.find(a.id) == first
            assert uow.erasures.find(SubjectId.new()) is None
            assert uow.erasures.due_before(T0 + timedelta(days=9)) == [second, first]
            assert uow.erasures.due_before(T0 + timedelta(days=9), limit=1) == [second]
            assert uow.erasures.due_before(T0 + timedelta(hours=1)) == []
            moved = attrs.evolve(first, step=ErasureStep.HELD, resume_at=T0 + timedelta(9))
            uow.erasures.update(moved)
            with pytest.raises(errors.UnknownRecord):
                uow.erasures.update(PendingErasure(SubjectId.new(), T0))
            assert uow.erasures.remove(b.id)
            assert not uow.erasures.remove(b.id)
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.erasures.find(a.id) == moved
            assert uow.erasures.find(b.id) is None
            assert uow.erasures.due_before(T0 + timedelta(days=30)) == [moved]

    def test_tombstones_kept_in_the_data_store(self, storage: Storage) -> None:
        a, b = SubjectId.new(), SubjectId.new()
        first = Tombstone(a, T0, ((1, b"\x01" * 8), (2, b"\x02" * 8)))
        with storage.unit_of_work() as uow:
            uow.tombstones.add(first)
            uow.tombstones.add(Tombstone(a, T0 + timedelta(days=1)))  # kept: the first
            uow.tombstones.add(Tombstone(b, T0))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            stones = {t.subject_id: t for t in uow.tombstones.all()}
        assert stones[a] == first
        assert set(stones) == {a, b}

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
            lambda u: u.erasures.add("not an erasure"),
            lambda u: u.erasures.find(str(SubjectId.new())),
            lambda u: u.erasures.due_before(datetime(2026, 1, 1)),
            lambda u: u.erasures.due_before(T0, -1),
            lambda u: u.tombstones.add(str(SubjectId.new())),
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

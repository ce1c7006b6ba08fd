"""Conformance of the bulk methods a retention sweep erases a batch of people with: each
does for every subject of the batch what its single-subject method does, touches no one
else, and refuses a bad batch without writing any of it; each read over many subjects
gives what the single-subject reads give."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest

from gdprcrm import errors
from gdprcrm.model import (
    BlindIndexEntry,
    ConsentGiven,
    InformationDuty,
    Lookup,
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
    SubjectId,
    SubjectStatus,
)
from gdprcrm.storage.protocols import Storage, UnitOfWork
from gdprcrm.testing.conformance._support import T0, _field, _request, _subject
from gdprcrm.vault.keystore import Tombstone

__all__ = ["BulkTests"]


def _rows(uow: UnitOfWork, sid: SubjectId) -> dict[str, int]:
    """What the bulk deletions remove, counted for one subject."""
    return {
        "fields": len(uow.subjects.fields(sid)),
        "retention": len(uow.retention.for_subject(sid)),
        "duty": int(uow.duties.get(sid) is not None),
        "erasure": int(uow.erasures.find(sid) is not None),
        "index": sum(
            sid in uow.subjects.find_by_index(Lookup.EMAIL, digest)
            for digest in (bytes([i]) * 32 for i in range(3))
        ),
    }


class BulkTests:
    """``update_many``, ``delete_fields_of``, ``delete_index_of``, ``clear_many``,
    ``delete_fields_many``, ``delete_index_many``, ``clear_purposes``, ``records.delete_many``,
    ``delete_for_subjects``, ``remove_many``, the ``add_many`` of tombstones and
    notifications, and the reads over many subjects (``get_many_for_update``,
    ``fields_of``, ``histories``, ``for_subjects``)."""

    def _people(self, storage: Storage) -> list[SubjectId]:
        people = [_subject() for _ in range(3)]
        with storage.unit_of_work() as uow:
            uow.subjects.add_many(people)
            for i, person in enumerate(people):
                sid = person.id
                uow.subjects.put_fields([_field(sid, "email"), _field(sid, "name")])
                uow.subjects.put_index(
                    [BlindIndexEntry(sid, "email", Lookup.EMAIL, bytes([i]) * 32)]
                )
                uow.retention.schedule(
                    [
                        RetentionDue(sid, p, T0 + timedelta(days=9), RetentionAction.ERASE)
                        for p in ("newsletter", "support")
                    ]
                )
                uow.duties.add(InformationDuty(sid, T0, T0 + timedelta(days=30)))
                uow.erasures.add(PendingErasure(sid, T0, resume_at=T0))
            uow.commit()
        return [p.id for p in people]

    def test_bulk_deletions_reach_the_batch_and_no_one_else(self, storage: Storage) -> None:
        a, b, c = self._people(storage)
        full = {"fields": 2, "retention": 2, "duty": 1, "erasure": 1, "index": 1}
        with storage.unit_of_work() as uow:
            batch = [a, b, a]  # the same subject twice counts once
            counts = (
                uow.subjects.delete_fields_of(batch),
                uow.subjects.delete_index_of(batch),
                uow.retention.clear_many(batch),
                uow.duties.delete_for_subjects(batch),
                uow.erasures.remove_many(batch),
            )
            assert counts == (4, 2, 4, 2, 2), "bulk deletions: rows removed, each once"
            assert uow.subjects.delete_fields_of([]) == 0
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            for gone in (a, b):
                assert _rows(uow, gone) == dict.fromkeys(full, 0), "a bulk deletion missed"
            assert _rows(uow, c) == full, "a bulk deletion reached someone outside the batch"

    def test_bulk_deletions_of_named_fields_and_purposes(self, storage: Storage) -> None:
        # A sweep's batch of expired purposes: some fields, their index entries and one
        # purpose's schedule of each person; the same pair twice counts once.
        a, b, c = self._people(storage)
        with storage.unit_of_work() as uow:
            counts = (
                uow.subjects.delete_fields_many([(a, ["email"]), (b, ("email", "name"))]),
                uow.subjects.delete_index_many([(a, ["email", "email"]), (b, ["phone", "email"])]),
                uow.retention.clear_purposes([(a, ["newsletter"]), (b, ["newsletter"])]),
                uow.retention.clear_purposes([(b, ["support"]), (b, ["newsletter"])]),
            )
            assert counts == (3, 2, 2, 1), "bulk deletions by name: rows removed, each once"
            assert uow.subjects.delete_fields_many([]) == 0
            assert uow.subjects.delete_fields_many([(c, [])]) == 0
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert [f.name for f in uow.subjects.fields(a)] == ["name"]
            assert uow.subjects.fields(b) == []
            assert [e.purpose_id for e in uow.retention.for_subject(a)] == ["support"]
            assert uow.retention.for_subject(b) == []
            assert _rows(uow, a)["index"] == 0, "subjects.delete_index_many missed an entry"
            assert _rows(uow, b)["index"] == 0, "subjects.delete_index_many missed an entry"
            full = {"fields": 2, "retention": 2, "duty": 1, "erasure": 1, "index": 1}
            assert _rows(uow, c) == full, "a bulk deletion reached someone outside the batch"
        with storage.unit_of_work() as uow:  # a field not named stays
            assert uow.subjects.delete_index_many([(c, ["phone", "name"])]) == 0
            assert uow.subjects.delete_fields_many([(c, ["phone"])]) == 0
            assert uow.retention.clear_purposes([(c, ["profiling"])]) == 0
            assert _rows(uow, c) == full, "a bulk deletion by name took what was not named"

    def test_records_deleted_in_one_batch(self, storage: Storage) -> None:
        # A sweep's batch of expired records: each named record once, no other.
        a, b, _ = self._people(storage)
        made = [
            Record(RecordId.new(), sid, "invoice", T0, T0, T0, T0, b"\x07" * 40)
            for sid in (a, a, b, b)
        ]
        with storage.unit_of_work() as uow:
            for record in made:
                uow.records.add(record)
            uow.commit()
        with storage.unit_of_work() as uow:
            doomed = [made[0].id, made[2].id, made[0].id, RecordId.new()]
            assert uow.records.delete_many(doomed) == 2, "records.delete_many: rows removed"
            assert uow.records.delete_many([]) == 0
            with pytest.raises(errors.InvalidInput):
                uow.records.delete_many([made[1].id.value])  # type: ignore[list-item]
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            left = [r.id for sid in (a, b) for r in uow.records.for_subject(sid)]
        assert left == [made[1].id, made[3].id], "records.delete_many took the wrong records"

    def test_bulk_methods_check_their_input(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput):
                uow.subjects.delete_fields_of(["not an id"])  # type: ignore[list-item]
            with pytest.raises(errors.InvalidInput):
                uow.retention.clear_many(SubjectId.new())  # type: ignore[arg-type]
            with pytest.raises(errors.InvalidInput):
                uow.erasures.remove_many([None])  # type: ignore[list-item]
            sid = SubjectId.new()
            for bad in (
                [sid],
                [(sid, "email")],  # a str: the names are a collection
                [(sid, [b"email"])],
                [("not an id", ["email"])],
                (sid, ["email"]),
            ):
                with pytest.raises(errors.InvalidInput):
                    uow.subjects.delete_fields_many(bad)  # type: ignore[arg-type]
                with pytest.raises(errors.InvalidInput):
                    uow.retention.clear_purposes(bad)  # type: ignore[arg-type]
        with storage.unit_of_work(read_only=True) as uow, pytest.raises(errors.ReadOnlyUnit):
            uow.duties.delete_for_subjects([SubjectId.new()])

    def test_update_many_replaces_all_or_none(self, storage: Storage) -> None:
        a, b, c = self._people(storage)
        with storage.unit_of_work() as uow:
            before = {sid: uow.subjects.get(sid) for sid in (a, b, c)}
            erased = [attrs.evolve(before[s], status=SubjectStatus.ERASED) for s in (a, b)]
            stranger = attrs.evolve(before[c], id=SubjectId.new())
            with pytest.raises(errors.UnknownRecord):
                uow.subjects.update_many([*erased, stranger])
            with pytest.raises(errors.InvalidInput):
                uow.subjects.update_many([erased[0], erased[0]])
            uow.commit()  # after the refusals: they must have written nothing
        with storage.unit_of_work() as uow:
            assert {s: uow.subjects.get(s) for s in (a, b, c)} == before, (
                "subjects.update_many: a refused batch was partly written"
            )
            uow.subjects.update_many(erased)
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert [uow.subjects.get(s).status for s in (a, b, c)] == [
                SubjectStatus.ERASED,
                SubjectStatus.ERASED,
                SubjectStatus.ACTIVE,
            ]

    def test_tombstones_and_notifications_added_in_one_batch(self, storage: Storage) -> None:
        a, b, _ = self._people(storage)
        first = Tombstone(a, T0, ((1, b"\x01" * 8),))
        with storage.unit_of_work() as uow:
            uow.tombstones.add(first)
            later = attrs.evolve(first, shredded_at=T0 + timedelta(days=1))
            uow.tombstones.add_many([later, Tombstone(b, T0, ())])  # a's stays as it was
            queued = [
                RecipientNotification(sid, r, NotificationEvent.ERASURE, T0)
                for sid in (a, b)
                for r in ("mailer", "bank")
            ]
            uow.notifications.add_many(queued)
            with pytest.raises(errors.DuplicateRecord):
                uow.notifications.add_many([queued[0], queued[0]])
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert sorted(uow.tombstones.all(), key=lambda t: str(t.subject_id)) == sorted(
                [first, Tombstone(b, T0, ())], key=lambda t: str(t.subject_id)
            )
            assert sorted(n.id for n in uow.notifications.pending()) == sorted(
                n.id for n in queued
            ), "notifications.add_many: not every notification was queued once"

    def test_reads_over_many_subjects_are_the_single_reads(self, storage: Storage) -> None:
        a, b, c = self._people(storage)
        stranger = SubjectId.new()  # no row anywhere: empty lists
        with storage.unit_of_work() as uow:
            for i, sid in enumerate((a, b)):
                at = T0 + timedelta(days=i)
                uow.consents.append(ConsentGiven(sid, "newsletter", at, "web", "v1"))
                uow.consents.append(ConsentGiven(sid, "support", at, "web", "v1"))
                uow.objections.add(Objection(sid, at, direct_marketing=True))
                uow.restrictions.add(Restriction(sid, RestrictionGround.ACCURACY_CONTESTED, at))
                uow.requests.add(_request(sid, 30 - i))
                for kind in ("invoice", "order", "invoice"):
                    day = at + timedelta(days=len(kind))
                    uow.records.add(
                        Record(RecordId.new(), sid, kind, day, day, day, day, b"\x07" * 40)
                    )
            uow.commit()
        batch = [b, stranger, a, b]
        with storage.unit_of_work() as uow:
            once = [b, stranger, a]
            reads: tuple[tuple[dict[SubjectId, list[Any]], Callable[[SubjectId], Any]], ...] = (
                (uow.consents.histories(batch), lambda s: uow.consents.history(s)),
                (uow.objections.for_subjects(batch), uow.objections.for_subject),
                (uow.restrictions.for_subjects(batch), uow.restrictions.for_subject),
                (uow.requests.for_subjects(batch), uow.requests.for_subject),
                (uow.records.for_subjects(batch), uow.records.for_subject),
                (
                    uow.records.for_subjects(batch, "invoice"),
                    lambda s: uow.records.for_subject(s, "invoice"),
                ),
                (uow.subjects.fields_of(batch), uow.subjects.fields),
                (
                    uow.subjects.fields_of(batch, ["name"]),
                    lambda s: uow.subjects.fields(s, ["name"]),
                ),
                (uow.subjects.fields_of(batch, []), lambda s: []),
            )
            for many, single in reads:
                assert list(many) == once, "a read over many: one entry per subject, in order"
                assert many == {sid: single(sid) for sid in once}, (
                    "a read over many subjects differs from the single-subject reads"
                )
            assert uow.subjects.get_many_for_update([c, a, c]) == [
                uow.subjects.get(c),
                uow.subjects.get(a),
            ]
            with pytest.raises(errors.UnknownRecord):
                uow.subjects.get_many_for_update([a, stranger])
            with pytest.raises(errors.InvalidInput):
                uow.requests.for_subjects([a, "b"])  # type: ignore[list-item]
        with storage.unit_of_work(read_only=True) as uow, pytest.raises(errors.ReadOnlyUnit):
            uow.subjects.get_many_for_update([a])

"""The conformance tests of the records repository: many dated records per subject
(part of :class:`gdprcrm.testing.conformance.StorageConformance`)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from gdprcrm import errors
from gdprcrm.model import Record, RecordId, SubjectId
from gdprcrm.storage.protocols import Storage
from gdprcrm.testing.conformance._support import T0, _subject

__all__ = ["SubjectRecordTests"]


def _record(sid: SubjectId, kind: str = "invoice", day: int = 0, keep: int = 3650) -> Record:
    at = T0 + timedelta(days=day)
    return Record(
        RecordId.new(), sid, kind, at, at, at, at + timedelta(days=keep), bytes([day % 250]) * 64
    )


class SubjectRecordTests:
    """Records: add, read back by subject and kind, update, delete, due ranges."""

    def test_records_round_trip_by_subject_and_kind(self, storage: Storage) -> None:
        a, b = _subject(), _subject()
        mine = [_record(a.id, "invoice", 5), _record(a.id, "order", 1), _record(a.id, day=3)]
        other = _record(b.id)
        with storage.unit_of_work() as uow:
            uow.subjects.add_many([a, b])
            for r in (*mine, other):
                uow.records.add(r)
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.records.for_subject(a.id) == sorted(mine, key=lambda r: r.dated)
            assert uow.records.for_subject(a.id, "invoice") == [mine[2], mine[0]]
            assert uow.records.for_subject(a.id, "ticket") == []
            assert uow.records.get(other.id) == other
            assert uow.records.find(RecordId.new()) is None
            with pytest.raises(errors.UnknownRecord):
                uow.records.get(RecordId.new())

    def test_a_record_needs_its_subject_and_a_fresh_id(self, storage: Storage) -> None:
        a = _subject()
        with storage.unit_of_work() as uow, pytest.raises(errors.IntegrityError):
            uow.records.add(_record(SubjectId.new()))
        first = _record(a.id)
        with storage.unit_of_work() as uow:
            uow.subjects.add(a)
            uow.records.add(first)
            with pytest.raises(errors.DuplicateRecord):
                uow.records.add(attrs.evolve(first, ciphertext=b"\x09" * 40))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.records.get(first.id) == first  # the duplicate changed nothing

    def test_update_replaces_dates_and_values_but_never_owner_or_kind(
        self, storage: Storage
    ) -> None:
        a, b = _subject(), _subject()
        record = _record(a.id)
        with storage.unit_of_work() as uow:
            uow.subjects.add_many([a, b])
            uow.records.add(record)
            uow.commit()
        later = attrs.evolve(
            record,
            updated_at=T0 + timedelta(days=2),
            due_at=T0 + timedelta(days=9),
            ciphertext=b"\x05" * 50,
        )
        with storage.unit_of_work() as uow:
            uow.records.update(later)
            for wrong in (attrs.evolve(later, subject_id=b.id), attrs.evolve(later, kind="x")):
                with pytest.raises(errors.InvalidInput):
                    uow.records.update(wrong)
            with pytest.raises(errors.UnknownRecord):
                uow.records.update(_record(a.id))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.records.get(record.id) == later

    def test_delete_one_or_all_of_a_subject(self, storage: Storage) -> None:
        a, b = _subject(), _subject()
        kept = _record(b.id)
        mine = [_record(a.id, day=d) for d in range(4)]
        with storage.unit_of_work() as uow:
            uow.subjects.add_many([a, b])
            for r in (*mine, kept):
                uow.records.add(r)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.records.delete(mine[0].id)
            assert not uow.records.delete(mine[0].id)
            assert uow.records.delete_for_subject(a.id) == 3
            uow.rollback()
        with storage.unit_of_work(read_only=True) as uow:  # rolled back: all still there
            assert len(uow.records.for_subject(a.id)) == 4
        with storage.unit_of_work() as uow:
            assert uow.records.delete_for_subject(a.id) == 4
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.records.for_subject(a.id) == []
            assert uow.records.get(kept.id) == kept

    def test_due_before_is_ordered_inclusive_and_limited(self, storage: Storage) -> None:
        a = _subject()
        soon, later, never = _record(a.id, keep=10), _record(a.id, keep=20), _record(a.id)
        with storage.unit_of_work() as uow:
            uow.subjects.add(a)
            for r in (never, later, soon):
                uow.records.add(r)
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.records.due_before(T0 + timedelta(days=20)) == [soon, later]
            assert uow.records.due_before(T0 + timedelta(days=20), limit=1) == [soon]
            assert uow.records.due_before(T0 + timedelta(days=9)) == []
            with pytest.raises(errors.InvalidInput):
                uow.records.due_before(T0.replace(tzinfo=None))
            with pytest.raises(errors.InvalidInput):
                uow.records.due_before(T0, limit=-1)

    def test_record_writes_are_refused_in_a_read_only_unit(self, storage: Storage) -> None:
        a = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(a)
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            with pytest.raises(errors.ReadOnlyUnit):
                uow.records.add(_record(a.id))
            with pytest.raises(errors.ReadOnlyUnit):
                uow.records.delete_for_subject(a.id)
            with pytest.raises(errors.InvalidInput):
                uow.records.for_subject("not an id")  # type: ignore[arg-type]

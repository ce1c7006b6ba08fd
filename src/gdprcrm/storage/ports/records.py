"""The records port: any number of dated records per subject (orders, invoices, ...)."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import datetime

from gdprcrm.errors import DuplicateRecord, InvalidInput, UnknownRecord
from gdprcrm.model import Record, RecordId, SubjectId
from gdprcrm.model._checks import check_aware
from gdprcrm.storage.ports._base import Repository, _check, _check_all, _grouped, _subject_ids

__all__ = ["RecordRepository"]


def _limit(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{what}: expected an integer >= 0")
    return value


def _by_date(record: Record) -> tuple[datetime, str]:
    return (record.dated, str(record.id))


class RecordRepository(Repository):
    """Records, each with its subject, kind, dates and the envelope of its values.

    A record's subject and kind never change: :meth:`update` refuses a record that
    names another subject or kind than the stored one.
    """

    def add(self, record: Record) -> None:
        """Store a new record; DuplicateRecord if the id exists (the subject must exist)."""
        self._writable()
        _check(record, Record, "records.add")
        if self._find(record.id) is not None:
            raise DuplicateRecord(f"record {record.id} exists")
        self._add(record)

    def find(self, record_id: RecordId) -> Record | None:
        _check(record_id, RecordId, "records.find")
        return self._find(record_id)

    def get(self, record_id: RecordId) -> Record:
        """The record; UnknownRecord if there is none."""
        found = self.find(record_id)
        if found is None:
            raise UnknownRecord(f"no record {record_id}")
        return found

    def update(self, record: Record) -> None:
        """Replace a stored record's dates and values; UnknownRecord if it does not exist."""
        self._writable()
        _check(record, Record, "records.update")
        stored = self._find(record.id)
        if stored is None:
            raise UnknownRecord(f"no record {record.id}")
        if (stored.subject_id, stored.kind) != (record.subject_id, record.kind):
            raise InvalidInput(f"records.update: record {record.id} changes subject or kind")
        self._update(record)

    def delete(self, record_id: RecordId) -> bool:
        """Delete one record; False if there was none."""
        self._writable()
        _check(record_id, RecordId, "records.delete")
        return self._delete(record_id)

    def delete_many(self, record_ids: Sequence[RecordId]) -> int:
        """:meth:`delete` each record (a sweep's batch of expired records), each once;
        returns how many there were."""
        self._writable()
        _check_all(record_ids, RecordId, "records.delete_many")
        ids = list(dict.fromkeys(record_ids))
        return self._delete_many(ids) if ids else 0

    def _delete_many(self, record_ids: Sequence[RecordId]) -> int:
        """Default: one at a time (the SQL adapters use one statement per 500)."""
        return sum(self._delete(record_id) for record_id in record_ids)

    def for_subject(self, subject_id: SubjectId, kind: str | None = None) -> list[Record]:
        """The subject's records (of one kind, or all), oldest first."""
        _check(subject_id, SubjectId, "records.for_subject")
        if kind is not None and not isinstance(kind, str):
            raise InvalidInput("records.for_subject(kind): expected a kind id")
        found = self._for_subject(subject_id, kind)
        return sorted(found, key=_by_date)

    def for_subjects(
        self, subject_ids: Sequence[SubjectId], kind: str | None = None
    ) -> dict[SubjectId, list[Record]]:
        """:meth:`for_subject` of each, read at once (a sweep's batch)."""
        ids = _subject_ids(subject_ids, "records.for_subjects")
        if kind is not None and not isinstance(kind, str):
            raise InvalidInput("records.for_subjects(kind): expected a kind id")
        return _grouped(ids, self._for_subjects(ids, kind) if ids else (), _by_date)

    def _for_subjects(
        self, subject_ids: Sequence[SubjectId], kind: str | None
    ) -> Iterable[Record]:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return [r for sid in subject_ids for r in self._for_subject(sid, kind)]

    def delete_for_subject(self, subject_id: SubjectId) -> int:
        """Delete every record of the subject; returns how many."""
        self._writable()
        _check(subject_id, SubjectId, "records.delete_for_subject")
        return self._delete_for_subject(subject_id)

    def due_before(self, at: datetime, limit: int = 1000) -> list[Record]:
        """Records whose retention ends at or before ``at``, soonest first (an indexed
        range: proportional to what is due, never a scan)."""
        at = check_aware(at, "records.due_before(at)")
        limit = _limit(limit, "records.due_before(limit)")
        found = sorted(self._due_before(at, limit), key=lambda r: (r.due_at, str(r.id)))
        return found[:limit]

    @abc.abstractmethod
    def _add(self, record: Record) -> None:
        """Insert; IntegrityError if the subject does not exist."""

    @abc.abstractmethod
    def _find(self, record_id: RecordId) -> Record | None: ...

    @abc.abstractmethod
    def _update(self, record: Record) -> None: ...

    @abc.abstractmethod
    def _delete(self, record_id: RecordId) -> bool: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId, kind: str | None) -> Iterable[Record]: ...

    @abc.abstractmethod
    def _delete_for_subject(self, subject_id: SubjectId) -> int: ...

    @abc.abstractmethod
    def _due_before(self, at: datetime, limit: int) -> Iterable[Record]:
        """At least the ``limit`` soonest due (due_at <= at)."""

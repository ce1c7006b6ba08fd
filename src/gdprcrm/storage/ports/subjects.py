"""The subjects port: subjects, their encrypted fields, their blind-index entries."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence

from gdprcrm.errors import (
    DuplicateRecord,
    InvalidInput,
    UnknownRecord,
)
from gdprcrm.model import (
    BlindIndexEntry,
    Lookup,
    PersonalField,
    Subject,
    SubjectId,
)
from gdprcrm.storage.ports._base import (
    Repository,
    _by_subject,
    _check,
    _check_all,
    _grouped,
    _named,
    _subject_ids,
)

__all__ = [
    "SubjectRepository",
]


def _by_name(field: PersonalField) -> str:
    return field.name


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

    def get_many_for_update(self, subject_ids: Sequence[SubjectId]) -> list[Subject]:
        """The subjects (each once, in the order given), locked as
        :meth:`get_for_update` locks one; UnknownRecord if one does not exist."""
        self._writable()
        ids = _subject_ids(subject_ids, "subjects.get_many_for_update")
        # Locked in the order of their bytes whatever the order asked: two batches that
        # share people take their locks alike and cannot deadlock.
        ordered = sorted(ids, key=lambda sid: sid.bytes)
        found = {s.id: s for s in self._find_many(ordered, for_update=True)} if ids else {}
        missing = [sid for sid in ids if sid not in found]
        if missing:
            raise UnknownRecord(f"no subject {missing[0]}")
        return [found[sid] for sid in ids]

    def update(self, subject: Subject) -> None:
        """Replace a stored subject; UnknownRecord if it does not exist."""
        self._writable()
        _check(subject, Subject, "subjects.update")
        if not self._update(subject):
            raise UnknownRecord(f"no subject {subject.id}")

    def update_many(self, subjects: Sequence[Subject]) -> None:
        """Replace stored subjects in one batch (a sweep's erasures); UnknownRecord, and
        nothing replaced, if any of them does not exist."""
        self._writable()
        _check_all(subjects, Subject, "subjects.update_many")
        if len({s.id for s in subjects}) != len(subjects):
            raise InvalidInput("subjects.update_many: the same subject twice in one batch")
        if subjects and not self._update_many(subjects):
            raise UnknownRecord("subjects.update_many: a subject of the batch does not exist")

    def count(self) -> int:
        return self._count()

    def ids(self, after: SubjectId | None = None, limit: int = 500) -> list[SubjectId]:
        """Subject ids in ascending order (of their bytes), those after ``after`` only, at
        most ``limit``: pages through every subject, erased ones included."""
        if after is not None:
            _check(after, SubjectId, "subjects.ids(after)")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise InvalidInput("subjects.ids: limit is a whole number from 1 to 10000")
        return list(self._ids(after, limit))

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

    def fields_of(
        self, subject_ids: Sequence[SubjectId], names: Iterable[str] | None = None
    ) -> dict[SubjectId, list[PersonalField]]:
        """:meth:`fields` of each subject, read at once (a sweep's batch)."""
        ids = _subject_ids(subject_ids, "subjects.fields_of")
        chosen = None if names is None else frozenset(names)
        found = self._fields_of(ids, chosen) if ids and chosen != frozenset() else ()
        return _grouped(ids, found, _by_name)

    def delete_fields(self, subject_id: SubjectId, names: Iterable[str] | None = None) -> int:
        """Delete some (or all) of the subject's fields; returns how many were deleted."""
        self._writable()
        _check(subject_id, SubjectId, "subjects.delete_fields")
        chosen = None if names is None else frozenset(names)
        return self._delete_fields(subject_id, chosen)

    def delete_fields_of(self, subject_ids: Sequence[SubjectId]) -> int:
        """Delete every field of each of these subjects (their erasure, in one batch);
        returns how many went."""
        self._writable()
        ids = _subject_ids(subject_ids, "subjects.delete_fields_of")
        return self._delete_fields_of(ids) if ids else 0

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

    def delete_index(self, subject_id: SubjectId, fields: Iterable[str] | None = None) -> int:
        """Delete the subject's blind-index entries, only those of ``fields`` unless it is
        None; returns how many went. A lookup value erased must not stay findable by its
        blind index (Art. 17, 5(1)(e)): whoever deletes a field deletes its entry."""
        self._writable()
        _check(subject_id, SubjectId, "subjects.delete_index")
        if fields is None:
            return self._delete_index(subject_id)
        chosen = frozenset(fields) if not isinstance(fields, str) else None
        if chosen is None or not all(isinstance(f, str) for f in chosen):
            raise InvalidInput("subjects.delete_index(fields): expected field names")
        return self._delete_index_fields(subject_id, chosen) if chosen else 0

    def delete_fields_many(self, doomed: Sequence[tuple[SubjectId, Iterable[str]]]) -> int:
        """:meth:`delete_fields` of the named fields of each subject, in one batch (a
        sweep's batch of expired purposes): ``[(subject, names), ...]``; how many went."""
        self._writable()
        pairs = _named(doomed, "subjects.delete_fields_many")
        return self._delete_fields_many(pairs) if pairs else 0

    def delete_index_many(self, doomed: Sequence[tuple[SubjectId, Iterable[str]]]) -> int:
        """:meth:`delete_index` of the named fields of each subject, in one batch:
        ``[(subject, fields), ...]``; how many entries went."""
        self._writable()
        pairs = _named(doomed, "subjects.delete_index_many")
        return self._delete_index_many(pairs) if pairs else 0

    def delete_index_of(self, subject_ids: Sequence[SubjectId]) -> int:
        """Delete every blind-index entry of each of these subjects; returns how many."""
        self._writable()
        ids = _subject_ids(subject_ids, "subjects.delete_index_of")
        return self._delete_index_of(ids) if ids else 0

    # Bulk hooks: each has a default built on the single-subject hooks, so an adapter
    # is correct without them; the SQL adapters override them with one statement.

    def _find_many(
        self, subject_ids: Sequence[SubjectId], *, for_update: bool
    ) -> Iterable[Subject]:
        """Those that exist (any order), locked with ``for_update``."""
        return [s for sid in subject_ids if (s := self._find(sid, for_update=for_update))]

    def _fields_of(
        self, subject_ids: Sequence[SubjectId], names: frozenset[str] | None
    ) -> Iterable[PersonalField]:
        return [f for sid in subject_ids for f in self._fields(sid, names)]

    def _update_many(self, subjects: Sequence[Subject]) -> bool:
        """Replace them all, or none and return False if one does not exist."""
        if any(self._find(s.id, for_update=False) is None for s in subjects):
            return False
        for subject in subjects:
            self._update(subject)
        return True

    def _delete_fields_of(self, subject_ids: Sequence[SubjectId]) -> int:
        return sum(self._delete_fields(sid, None) for sid in subject_ids)

    def _delete_index_of(self, subject_ids: Sequence[SubjectId]) -> int:
        return sum(self._delete_index(sid) for sid in subject_ids)

    def _delete_fields_many(self, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        """(subject, field name) pairs, each once; default: one subject at a time."""
        return sum(self._delete_fields(sid, names) for sid, names in _by_subject(pairs).items())

    def _delete_index_many(self, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        """(subject, field name) pairs, each once; default: one subject at a time."""
        grouped = _by_subject(pairs).items()
        return sum(self._delete_index_fields(sid, names) for sid, names in grouped)

    @abc.abstractmethod
    def _add_many(self, subjects: Sequence[Subject]) -> None: ...

    @abc.abstractmethod
    def _find(self, subject_id: SubjectId, *, for_update: bool) -> Subject | None: ...

    @abc.abstractmethod
    def _update(self, subject: Subject) -> bool: ...

    @abc.abstractmethod
    def _count(self) -> int: ...

    @abc.abstractmethod
    def _ids(self, after: SubjectId | None, limit: int) -> Iterable[SubjectId]:
        """At most ``limit`` ids greater than ``after`` (all when None), ascending."""

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

    @abc.abstractmethod
    def _delete_index_fields(self, subject_id: SubjectId, fields: frozenset[str]) -> int:
        """Delete the subject's entries of these fields (never empty); how many went."""

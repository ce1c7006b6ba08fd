"""The ports of the subject's own choices: consents (Art. 7), objections (Art. 21),
restrictions (Art. 18)."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import datetime

from gdprcrm.errors import (
    UnknownRecord,
)
from gdprcrm.model import (
    ConsentEvent,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    Objection,
    Restriction,
    SubjectId,
)
from gdprcrm.model._checks import check_aware
from gdprcrm.storage.ports._base import Repository, _check, _grouped, _subject_ids

__all__ = [
    "ConsentRepository",
    "ObjectionRepository",
    "RestrictionRepository",
]


def _in_time(item: ConsentEvent | Objection | Restriction) -> tuple[datetime, str]:
    return (item.at, str(item.id))


class ConsentRepository(Repository):
    """Consent events, append-only (Art. 7(1): the proof of consent)."""

    def append(self, event: ConsentEvent) -> None:
        self._writable()
        _check(event, (ConsentGiven, ConsentWithdrawn, ConsentRefused), "consents.append")
        self._append(event)

    def history(
        self, subject_id: SubjectId, purpose_id: str | None = None, until: datetime | None = None
    ) -> list[ConsentEvent]:
        """The subject's events (for one purpose, up to an instant), in time order."""
        _check(subject_id, SubjectId, "consents.history")
        if until is not None:
            until = check_aware(until, "consents.history(until)")
        events = self._history(subject_id, purpose_id, until)
        return sorted(events, key=_in_time)

    def histories(self, subject_ids: Sequence[SubjectId]) -> dict[SubjectId, list[ConsentEvent]]:
        """:meth:`history` of each subject (every purpose), read at once (a sweep's batch)."""
        ids = _subject_ids(subject_ids, "consents.histories")
        return _grouped(ids, self._histories(ids) if ids else (), _in_time)

    def _histories(self, subject_ids: Sequence[SubjectId]) -> Iterable[ConsentEvent]:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return [e for sid in subject_ids for e in self._history(sid, None, None)]

    @abc.abstractmethod
    def _append(self, event: ConsentEvent) -> None: ...

    @abc.abstractmethod
    def _history(
        self, subject_id: SubjectId, purpose_id: str | None, until: datetime | None
    ) -> Iterable[ConsentEvent]: ...


class ObjectionRepository(Repository):
    def add(self, objection: Objection) -> None:
        self._writable()
        _check(objection, Objection, "objections.add")
        self._add(objection)

    def for_subject(self, subject_id: SubjectId) -> list[Objection]:
        _check(subject_id, SubjectId, "objections.for_subject")
        return sorted(self._for_subject(subject_id), key=_in_time)

    def for_subjects(self, subject_ids: Sequence[SubjectId]) -> dict[SubjectId, list[Objection]]:
        """:meth:`for_subject` of each, read at once (a sweep's batch)."""
        ids = _subject_ids(subject_ids, "objections.for_subjects")
        return _grouped(ids, self._for_subjects(ids) if ids else (), _in_time)

    def _for_subjects(self, subject_ids: Sequence[SubjectId]) -> Iterable[Objection]:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return [o for sid in subject_ids for o in self._for_subject(sid)]

    @abc.abstractmethod
    def _add(self, objection: Objection) -> None: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Objection]: ...


class RestrictionRepository(Repository):
    def add(self, restriction: Restriction) -> None:
        self._writable()
        _check(restriction, Restriction, "restrictions.add")
        self._add(restriction)

    def update(self, restriction: Restriction) -> None:
        """Replace a stored restriction (to lift it); UnknownRecord if absent."""
        self._writable()
        _check(restriction, Restriction, "restrictions.update")
        if not self._update(restriction):
            raise UnknownRecord(f"no restriction {restriction.id}")

    def for_subject(self, subject_id: SubjectId) -> list[Restriction]:
        _check(subject_id, SubjectId, "restrictions.for_subject")
        return sorted(self._for_subject(subject_id), key=_in_time)

    def for_subjects(self, subject_ids: Sequence[SubjectId]) -> dict[SubjectId, list[Restriction]]:
        """:meth:`for_subject` of each, read at once (a sweep's batch)."""
        ids = _subject_ids(subject_ids, "restrictions.for_subjects")
        return _grouped(ids, self._for_subjects(ids) if ids else (), _in_time)

    def _for_subjects(self, subject_ids: Sequence[SubjectId]) -> Iterable[Restriction]:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return [r for sid in subject_ids for r in self._for_subject(sid)]

    @abc.abstractmethod
    def _add(self, restriction: Restriction) -> None: ...

    @abc.abstractmethod
    def _update(self, restriction: Restriction) -> bool: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Restriction]: ...

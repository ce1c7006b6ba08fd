"""The duties port: the Art. 14 information owed to people whose data came from others.

One duty per subject, written when the data is obtained and updated when it falls due
earlier (a first communication or disclosure, Art. 14(3)(b)-(c)), when the person is
informed, or when an Art. 14(5) exemption is recorded. The queue of pending duties is
read soonest due first.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence

from gdprcrm.errors import InvalidInput, UnknownRecord
from gdprcrm.model import InformationDuty, SubjectId
from gdprcrm.storage.ports._base import Repository, _check, _subject_ids

__all__ = ["DutyRepository"]


class DutyRepository(Repository):
    """Art. 14 information duties, one per subject."""

    def add(self, duty: InformationDuty) -> None:
        """Record a new duty; DuplicateRecord if the subject has one."""
        self._writable()
        _check(duty, InformationDuty, "duties.add")
        self._add(duty)

    def update(self, duty: InformationDuty) -> None:
        """Replace the subject's duty; UnknownRecord if it has none."""
        self._writable()
        _check(duty, InformationDuty, "duties.update")
        if not self._update(duty):
            raise UnknownRecord(f"no information duty for subject {duty.subject_id}")

    def get(self, subject_id: SubjectId) -> InformationDuty | None:
        _check(subject_id, SubjectId, "duties.get")
        return self._get(subject_id)

    def pending(self, limit: int = 1000) -> list[InformationDuty]:
        """Pending duties, soonest due first (at most ``limit``)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("duties.pending(limit): expected an integer >= 0")
        found = [d for d in self._pending(limit) if d.pending]
        return sorted(found, key=lambda d: (d.due_at, d.subject_id.bytes))[:limit]

    def delete_for_subject(self, subject_id: SubjectId) -> int:
        """Forget the subject's duty (its erasure); returns how many went (0 or 1)."""
        self._writable()
        _check(subject_id, SubjectId, "duties.delete_for_subject")
        return self._delete_for_subject(subject_id)

    def delete_for_subjects(self, subject_ids: Sequence[SubjectId]) -> int:
        """Forget the duties of these subjects (their erasure, in one batch)."""
        self._writable()
        ids = _subject_ids(subject_ids, "duties.delete_for_subjects")
        return self._delete_for_subjects(ids) if ids else 0

    def _delete_for_subjects(self, subject_ids: Sequence[SubjectId]) -> int:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return sum(self._delete_for_subject(sid) for sid in subject_ids)

    @abc.abstractmethod
    def _add(self, duty: InformationDuty) -> None: ...

    @abc.abstractmethod
    def _update(self, duty: InformationDuty) -> bool: ...

    @abc.abstractmethod
    def _get(self, subject_id: SubjectId) -> InformationDuty | None: ...

    @abc.abstractmethod
    def _pending(self, limit: int) -> Iterable[InformationDuty]:
        """At least the ``limit`` pending duties due soonest."""

    @abc.abstractmethod
    def _delete_for_subject(self, subject_id: SubjectId) -> int: ...

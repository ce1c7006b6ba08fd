"""The erasures port: erasures started and not yet finalised (Art. 17)."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import datetime

from gdprcrm.errors import DuplicateRecord, InvalidInput, UnknownRecord
from gdprcrm.model import PendingErasure, SubjectId
from gdprcrm.model._checks import check_aware
from gdprcrm.storage.ports._base import Repository, _check, _subject_ids

__all__ = ["ErasureRepository"]


class ErasureRepository(Repository):
    """One record per subject whose erasure is under way; removed when it is finalised."""

    def add(self, pending: PendingErasure) -> None:
        """Record a started erasure; DuplicateRecord if the subject has one."""
        self._writable()
        _check(pending, PendingErasure, "erasures.add")
        if self._find(pending.subject_id) is not None:
            raise DuplicateRecord(f"an erasure of {pending.subject_id} is already under way")
        self._add(pending)

    def find(self, subject_id: SubjectId) -> PendingErasure | None:
        _check(subject_id, SubjectId, "erasures.find")
        return self._find(subject_id)

    def update(self, pending: PendingErasure) -> None:
        """Record the step reached; UnknownRecord if no erasure of the subject is under way."""
        self._writable()
        _check(pending, PendingErasure, "erasures.update")
        if not self._update(pending):
            raise UnknownRecord(f"no erasure of {pending.subject_id} under way")

    def remove(self, subject_id: SubjectId) -> bool:
        """Finalise: the record goes; False if there was none."""
        self._writable()
        _check(subject_id, SubjectId, "erasures.remove")
        return self._remove(subject_id)

    def remove_many(self, subject_ids: Sequence[SubjectId]) -> int:
        """Finalise many: their records go; returns how many there were."""
        self._writable()
        ids = _subject_ids(subject_ids, "erasures.remove_many")
        return self._remove_many(ids) if ids else 0

    def _remove_many(self, subject_ids: Sequence[SubjectId]) -> int:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return sum(self._remove(sid) for sid in subject_ids)

    def due_before(self, at: datetime, limit: int = 1000) -> list[PendingErasure]:
        """Erasures whose next step is due at or before ``at``, soonest first (an indexed
        range: never a scan of every subject)."""
        at = check_aware(at, "erasures.due_before(at)")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise InvalidInput("erasures.due_before(limit): expected an integer >= 0")
        found = sorted(
            self._due_before(at, limit),
            key=lambda e: (e.resume_at, e.subject_id.bytes),  # sorts as its text does
        )
        return found[:limit]

    @abc.abstractmethod
    def _add(self, pending: PendingErasure) -> None: ...

    @abc.abstractmethod
    def _find(self, subject_id: SubjectId) -> PendingErasure | None: ...

    @abc.abstractmethod
    def _update(self, pending: PendingErasure) -> bool: ...

    @abc.abstractmethod
    def _remove(self, subject_id: SubjectId) -> bool: ...

    @abc.abstractmethod
    def _due_before(self, at: datetime, limit: int) -> Iterable[PendingErasure]:
        """At least the ``limit`` soonest due (resume_at <= at; None is never due)."""

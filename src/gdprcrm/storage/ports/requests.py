"""The requests port: data-subject requests and when they are due (Art. 12)."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from gdprcrm.errors import (
    InvalidInput,
    UnknownRecord,
)
from gdprcrm.model import (
    DataSubjectRequest,
    SubjectId,
)
from gdprcrm.storage.ports._base import Repository, _check, _grouped, _subject_ids

__all__ = [
    "RequestRepository",
    "effective_due",
    "is_open",
]


class RequestRepository(Repository):
    """Data-subject requests (Art. 12)."""

    def add(self, request: DataSubjectRequest) -> None:
        self._writable()
        _check(request, DataSubjectRequest, "requests.add")
        self._add(request)

    def get(self, request_id: uuid.UUID) -> DataSubjectRequest:
        _check(request_id, uuid.UUID, "requests.get")
        found = self._get(request_id)
        if found is None:
            raise UnknownRecord(f"no request {request_id}")
        return found

    def update(self, request: DataSubjectRequest) -> None:
        self._writable()
        _check(request, DataSubjectRequest, "requests.update")
        if not self._update(request):
            raise UnknownRecord(f"no request {request.id}")

    def for_subject(self, subject_id: SubjectId) -> list[DataSubjectRequest]:
        _check(subject_id, SubjectId, "requests.for_subject")
        return sorted(self._for_subject(subject_id), key=_received)

    def for_subjects(
        self, subject_ids: Sequence[SubjectId]
    ) -> dict[SubjectId, list[DataSubjectRequest]]:
        """:meth:`for_subject` of each, read at once (a sweep's batch)."""
        ids = _subject_ids(subject_ids, "requests.for_subjects")
        return _grouped(ids, self._for_subjects(ids) if ids else (), _received)

    def _for_subjects(self, subject_ids: Sequence[SubjectId]) -> Iterable[DataSubjectRequest]:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return [r for sid in subject_ids for r in self._for_subject(sid)]

    def open_by_due(self, limit: int = 1000) -> list[DataSubjectRequest]:
        """Open requests (open, extended, awaiting identity), soonest due first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("requests.open_by_due(limit): expected an integer >= 0")
        found = self._open_by_due(limit)
        return sorted(found, key=lambda r: (effective_due(r), str(r.id)))[:limit]

    @abc.abstractmethod
    def _add(self, request: DataSubjectRequest) -> None: ...

    @abc.abstractmethod
    def _get(self, request_id: uuid.UUID) -> DataSubjectRequest | None: ...

    @abc.abstractmethod
    def _update(self, request: DataSubjectRequest) -> bool: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[DataSubjectRequest]: ...

    @abc.abstractmethod
    def _open_by_due(self, limit: int) -> Iterable[DataSubjectRequest]:
        """At least the ``limit`` open requests with the earliest effective due dates."""


def _received(request: DataSubjectRequest) -> tuple[datetime, str]:
    return (request.received_at, str(request.id))


def effective_due(request: DataSubjectRequest) -> datetime:
    """The due date in force: the extended one if the request was extended."""
    return request.extended_due_at or request.due_at


def is_open(request: DataSubjectRequest) -> bool:
    """Still to be answered (:attr:`DataSubjectRequest.is_open`)."""
    return request.is_open

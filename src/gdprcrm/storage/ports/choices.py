"""The ports of the subject's own choices: consents (Art. 7), objections (Art. 21),
restrictions (Art. 18)."""

from __future__ import annotations

import abc
from collections.abc import Iterable
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
from gdprcrm.storage.ports._base import Repository, _check

__all__ = [
    "ConsentRepository",
    "ObjectionRepository",
    "RestrictionRepository",
]


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
        return sorted(events, key=lambda e: (e.at, str(e.id)))

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
        return sorted(self._for_subject(subject_id), key=lambda o: (o.at, str(o.id)))

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
        return sorted(self._for_subject(subject_id), key=lambda r: (r.at, str(r.id)))

    @abc.abstractmethod
    def _add(self, restriction: Restriction) -> None: ...

    @abc.abstractmethod
    def _update(self, restriction: Restriction) -> bool: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Restriction]: ...

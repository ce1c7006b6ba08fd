"""The ports of storage limitation: the retention schedule (Art. 5(1)(e)) and the
direct-marketing suppression list that outlives erasure (Art. 21(3))."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import datetime

from gdprcrm.errors import (
    InvalidInput,
)
from gdprcrm.model import (
    Channel,
    Lookup,
    RetentionDue,
    SubjectId,
    SuppressionEntry,
)
from gdprcrm.model._checks import check_aware
from gdprcrm.storage.ports._base import Repository, _check, _check_all, _named, _subject_ids

__all__ = [
    "RetentionRepository",
    "SuppressionRepository",
]


class SuppressionRepository(Repository):
    """The direct-marketing suppression list: hashed contact points, kept after erasure."""

    def add(self, entry: SuppressionEntry) -> None:
        """Add (or keep) an entry; adding the same digest and channel again is harmless."""
        self._writable()
        _check(entry, SuppressionEntry, "suppressions.add")
        self._add(entry)

    def contains(self, kind: Lookup, digest: bytes) -> bool:
        """Whether the contact point objected to all direct marketing."""
        return None in self.scopes(kind, digest)

    def scopes(self, kind: Lookup, digest: bytes) -> frozenset[Channel | None]:
        """What the contact point objected to: None for all direct marketing, a
        channel for that channel only; empty when it is not on the list."""
        _check(kind, Lookup, "suppressions.scopes(kind)")
        if not isinstance(digest, bytes) or len(digest) != 32:
            raise InvalidInput("suppressions.scopes: expected a 32-byte blind index")
        return frozenset(self._scopes(kind, digest))

    def purge_before(self, at: datetime) -> int:
        """Remove the entries recorded before ``at`` (a declared purge, after the CNIL's
        minimum of three years); returns how many went."""
        self._writable()
        return self._purge_before(check_aware(at, "suppressions.purge_before(at)"))

    @abc.abstractmethod
    def _add(self, entry: SuppressionEntry) -> None: ...

    @abc.abstractmethod
    def _scopes(self, kind: Lookup, digest: bytes) -> Iterable[Channel | None]:
        """The channels of the entries for this contact point (None: all channels)."""

    @abc.abstractmethod
    def _purge_before(self, at: datetime) -> int: ...


class RetentionRepository(Repository):
    """The retention schedule: when each (subject, purpose) falls due (Art. 5(1)(e))."""

    def schedule(self, entries: Sequence[RetentionDue]) -> None:
        """Insert or replace due dates (by subject and purpose)."""
        self._writable()
        _check_all(entries, RetentionDue, "retention.schedule")
        if entries:
            self._schedule(entries)

    def due_before(self, at: datetime, limit: int = 1000) -> list[RetentionDue]:
        """Entries due at or before ``at``, earliest first; an indexed range read."""
        at = check_aware(at, "retention.due_before(at)")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("retention.due_before(limit): expected an integer >= 0")
        found = self._due_before(at, limit)
        # SubjectId bytes sort as its text does (hex, big-endian), at a fraction of the cost
        return sorted(found, key=lambda d: (d.due_at, d.subject_id.bytes, d.purpose_id))[:limit]

    def for_subject(self, subject_id: SubjectId) -> list[RetentionDue]:
        _check(subject_id, SubjectId, "retention.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda d: d.purpose_id)

    def clear(self, subject_id: SubjectId, purpose_id: str | None = None) -> int:
        self._writable()
        _check(subject_id, SubjectId, "retention.clear")
        return self._clear(subject_id, purpose_id)

    def clear_many(self, subject_ids: Sequence[SubjectId]) -> int:
        """Unschedule every purpose of each of these subjects (their erasure, in one
        batch); returns how many entries went."""
        self._writable()
        ids = _subject_ids(subject_ids, "retention.clear_many")
        return self._clear_many(ids) if ids else 0

    def clear_purposes(self, doomed: Sequence[tuple[SubjectId, Iterable[str]]]) -> int:
        """Unschedule the named purposes of each subject, in one batch (a sweep's batch
        of expired purposes): ``[(subject, purposes), ...]``; how many entries went."""
        self._writable()
        pairs = _named(doomed, "retention.clear_purposes")
        return self._clear_purposes(pairs) if pairs else 0

    def _clear_purposes(self, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        """(subject, purpose) pairs, each once; default: one at a time."""
        return sum(self._clear(sid, purpose_id) for sid, purpose_id in pairs)

    def _clear_many(self, subject_ids: Sequence[SubjectId]) -> int:
        """Default: one subject at a time (the SQL adapters use one statement)."""
        return sum(self._clear(sid, None) for sid in subject_ids)

    @abc.abstractmethod
    def _schedule(self, entries: Sequence[RetentionDue]) -> None: ...

    @abc.abstractmethod
    def _due_before(self, at: datetime, limit: int) -> Iterable[RetentionDue]: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[RetentionDue]: ...

    @abc.abstractmethod
    def _clear(self, subject_id: SubjectId, purpose_id: str | None) -> int: ...

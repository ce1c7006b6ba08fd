"""The ports of what happened: interactions, the audit trail, breaches, the Art. 19
notification queue."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from gdprcrm.errors import (
    DataError,
    DuplicateRecord,
    InvalidInput,
    SequenceGap,
    UnknownRecord,
)
from gdprcrm.model import (
    AuditEntry,
    Breach,
    Interaction,
    RecipientNotification,
    SubjectId,
)
from gdprcrm.model._checks import check_aware
from gdprcrm.storage.ports._base import Repository, _check, _check_all

__all__ = [
    "AuditRepository",
    "BreachRepository",
    "InteractionRepository",
    "NotificationRepository",
]


class InteractionRepository(Repository):
    """The transparency log (contacts and communications, with encrypted content)."""

    def add(self, interaction: Interaction) -> None:
        self._writable()
        _check(interaction, Interaction, "interactions.add")
        if interaction.content is not None and len(interaction.content) > (1 << 20):
            raise DataError("interactions.add: content larger than 1 MiB")
        self._add(interaction)

    def for_subject(self, subject_id: SubjectId) -> list[Interaction]:
        _check(subject_id, SubjectId, "interactions.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda i: (i.at, str(i.id)))

    def delete_for_subject(self, subject_id: SubjectId) -> int:
        self._writable()
        _check(subject_id, SubjectId, "interactions.delete_for_subject")
        return self._delete_for_subject(subject_id)

    @abc.abstractmethod
    def _add(self, interaction: Interaction) -> None: ...

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[Interaction]: ...

    @abc.abstractmethod
    def _delete_for_subject(self, subject_id: SubjectId) -> int: ...


class AuditRepository(Repository):
    """The append-only audit trail: sequence numbers 0, 1, 2, ... with no gap."""

    _appended: tuple[object, AuditEntry] | None = None
    """(the unit, the entry it appended last): the head, without reading it again."""

    def append(self, entry: AuditEntry) -> None:
        """Append the entry that follows the head; SequenceGap otherwise.

        Reading the head and appending in the same unit of work is safe against
        concurrent writers: adapters serialise appends (a lock on the chain head).
        """
        self._writable()
        _check(entry, AuditEntry, "audit.append")
        head = self.head()
        expected = 0 if head is None else head.sequence + 1
        if entry.sequence != expected:
            raise SequenceGap(
                f"audit entry {entry.sequence} does not follow the head ({expected})"
            )
        self._append(entry)
        self._appended = (self._owner, entry)

    def head(self) -> AuditEntry | None:
        """The last entry (locked until the unit ends, so the next append can follow it).
        After an append in this unit, that entry (the unit holds the head's lock, so no
        one else can have appended since)."""
        appended = self._appended
        if appended is not None and appended[0] is self._owner and self._owner is not None:
            return appended[1]
        return self._head(for_update=True)

    def range(self, start: int = 0, stop: int | None = None) -> list[AuditEntry]:
        """Entries with ``start <= sequence < stop``, in order."""
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise InvalidInput("audit.range(start): expected an integer >= 0")
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int)):
            raise InvalidInput("audit.range(stop): expected an integer")
        return sorted(self._range(start, stop), key=lambda e: e.sequence)

    @abc.abstractmethod
    def _head(self, *, for_update: bool) -> AuditEntry | None: ...

    @abc.abstractmethod
    def _append(self, entry: AuditEntry) -> None: ...

    @abc.abstractmethod
    def _range(self, start: int, stop: int | None) -> Iterable[AuditEntry]: ...


class BreachRepository(Repository):
    """The breach register (Art. 33(5)): every breach, notified or not."""

    def add(self, breach: Breach) -> None:
        self._writable()
        _check(breach, Breach, "breaches.add")
        self._add(breach)

    def get(self, breach_id: uuid.UUID) -> Breach:
        _check(breach_id, uuid.UUID, "breaches.get")
        found = self._get(breach_id)
        if found is None:
            raise UnknownRecord(f"no breach {breach_id}")
        return found

    def update(self, breach: Breach) -> None:
        self._writable()
        _check(breach, Breach, "breaches.update")
        if not self._update(breach):
            raise UnknownRecord(f"no breach {breach.id}")

    def all(self) -> list[Breach]:
        return sorted(self._all(), key=lambda b: (b.aware_at, str(b.id)))

    @abc.abstractmethod
    def _add(self, breach: Breach) -> None: ...

    @abc.abstractmethod
    def _get(self, breach_id: uuid.UUID) -> Breach | None: ...

    @abc.abstractmethod
    def _update(self, breach: Breach) -> bool: ...

    @abc.abstractmethod
    def _all(self) -> Iterable[Breach]: ...


class NotificationRepository(Repository):
    """The Art. 19 queue: one notification per recipient, until reported sent."""

    def add(self, notification: RecipientNotification) -> None:
        self._writable()
        _check(notification, RecipientNotification, "notifications.add")
        self._add(notification)

    def add_many(self, notifications: Sequence[RecipientNotification]) -> None:
        """Queue several (a sweep's erasures); DuplicateRecord if an id is taken."""
        self._writable()
        _check_all(notifications, RecipientNotification, "notifications.add_many")
        if len({n.id for n in notifications}) != len(notifications):
            raise DuplicateRecord("notifications.add_many: the same id twice in one batch")
        if notifications:
            self._add_many(notifications)

    def _add_many(self, notifications: Sequence[RecipientNotification]) -> None:
        """Default: one at a time (the SQL adapters send the batch at once)."""
        for notification in notifications:
            self._add(notification)

    def mark_sent(self, notification_id: uuid.UUID, at: datetime) -> RecipientNotification:
        self._writable()
        _check(notification_id, uuid.UUID, "notifications.mark_sent")
        at = check_aware(at, "notifications.mark_sent(at)")
        found = self.get(notification_id)
        if found.sent_at is not None:
            return found  # reporting a sending twice changes nothing
        sent = attrs.evolve(found, sent_at=at)
        self._update(sent)
        return sent

    def get(self, notification_id: uuid.UUID) -> RecipientNotification:
        _check(notification_id, uuid.UUID, "notifications.get")
        found = self._get(notification_id)
        if found is None:
            raise UnknownRecord(f"no notification {notification_id}")
        return found

    def pending(self, limit: int = 1000) -> list[RecipientNotification]:
        """Notifications not yet sent, oldest first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidInput("notifications.pending(limit): expected an integer >= 0")
        found = self._pending(limit)
        return sorted(found, key=lambda n: (n.at, str(n.id)))[:limit]

    def for_subject(self, subject_id: SubjectId) -> list[RecipientNotification]:
        _check(subject_id, SubjectId, "notifications.for_subject")
        return sorted(self._for_subject(subject_id), key=lambda n: (n.at, str(n.id)))

    @abc.abstractmethod
    def _add(self, notification: RecipientNotification) -> None: ...

    @abc.abstractmethod
    def _get(self, notification_id: uuid.UUID) -> RecipientNotification | None: ...

    @abc.abstractmethod
    def _update(self, notification: RecipientNotification) -> None: ...

    @abc.abstractmethod
    def _pending(self, limit: int) -> Iterable[RecipientNotification]:
        """At least the ``limit`` oldest unsent notifications."""

    @abc.abstractmethod
    def _for_subject(self, subject_id: SubjectId) -> Iterable[RecipientNotification]: ...

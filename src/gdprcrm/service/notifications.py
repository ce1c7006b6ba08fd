"""Art. 19: the notifications owed to recipients, and the record that they were sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from gdprcrm.errors import InvalidInput
from gdprcrm.model import RecipientNotification, SubjectId
from gdprcrm.service.kernel import Kernel

__all__ = ["notifications_for", "notifications_sent", "pending_notifications"]


def pending_notifications(k: Kernel, limit: int) -> list[RecipientNotification]:
    with k.storage.unit_of_work(read_only=True) as uow:
        return uow.notifications.pending(limit)


def notifications_sent(
    k: Kernel, notification_ids: Iterable[uuid.UUID], at: datetime | None
) -> list[RecipientNotification]:
    """All or nothing: an unknown id records none; each sending is audited once."""
    now = k.now(at)
    if isinstance(notification_ids, str | bytes) or not isinstance(notification_ids, Iterable):
        raise InvalidInput("notifications_sent: expected a list of notification ids")
    chosen = list(notification_ids)
    if not all(isinstance(n, uuid.UUID) for n in chosen):
        raise InvalidInput("notifications_sent: notification ids are UUIDs")
    done = []
    with k.storage.unit_of_work() as uow:
        for notification_id in chosen:
            found = uow.notifications.get(notification_id)
            if found.sent_at is not None:
                done.append(found)
                continue
            sent = uow.notifications.mark_sent(notification_id, now)
            k.audit(
                uow,
                "notification.sent",
                sent.subject_id,
                at=now,
                details={"recipient": sent.recipient_id, "event": sent.event.value},
            )
            done.append(sent)
        uow.commit()
    return done


def notifications_for(k: Kernel, subject_id: SubjectId) -> list[RecipientNotification]:
    with k.storage.unit_of_work(read_only=True) as uow:
        uow.subjects.get(subject_id)  # an unknown subject is an error, not "nobody"
        return uow.notifications.for_subject(subject_id)

"""Data-subject requests (Art. 12): receipt, extension, identification, refusal, answer.

Each operation is one unit of work: load the request, apply the pure transition of
:mod:`gdprcrm.policy.requests`, save it with its audit entry, commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from gdprcrm.documents.localized import localized
from gdprcrm.documents.refusal import refusal_text
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import (
    DataSubjectRequest,
    DetailValue,
    Direction,
    InteractionKind,
    RequestKind,
    SubjectId,
)
from gdprcrm.policy import requests as rules
from gdprcrm.service.kernel import Kernel
from gdprcrm.service.notes import check_channel, open_request, seal_request

UNRECORDED = "unrecorded"
"""The channel logged for a message to the person when the host does not say how it
went: say it (``channel="e-mail"``) to make the log complete (Art. 5(2))."""

__all__ = [
    "UNRECORDED",
    "RequestOperations",
    "ask_identity",
    "complete_request",
    "extend_request",
    "identity_received",
    "open_requests",
    "receive_request",
    "refuse_request",
]


def receive_request(
    k: Kernel, subject_id: SubjectId, kind: RequestKind, received_at: datetime | None
) -> DataSubjectRequest:
    received = k.now(received_at)
    request = rules.new_request(subject_id, kind, received, tz=k.tz, calendar=k.calendar)
    with k.storage.unit_of_work() as uow:
        k.active(uow, subject_id)
        uow.requests.add(request)
        k.audit(
            uow,
            "request.received",
            subject_id,
            at=received,
            details={
                "kind": kind.value,
                "request": str(request.id),
                "due": request.due_at.date().isoformat(),
            },
        )
        uow.commit()
    return request


def _transition(
    k: Kernel,
    request_id: uuid.UUID,
    action: str,
    now: datetime,
    step: Callable[[DataSubjectRequest], DataSubjectRequest],
    details: Callable[[DataSubjectRequest, DataSubjectRequest], dict[str, DetailValue]]
    | None = None,
    *,
    told: str | None = None,
    channel: str = UNRECORDED,
) -> DataSubjectRequest:
    """Load, transition, save and audit one request in one unit of work. ``told``: what
    the person is told (an extension's reasons, a refusal, an answer): logged as an
    outbound request interaction through ``channel`` (Art. 12(1), 5(2)), its text
    sealed with the person's interactions."""
    check_channel(channel)
    with k.storage.unit_of_work() as uow:
        request = rules.ensure_open(uow.requests.get(request_id))
        updated = step(open_request(k.vault, request))
        uow.requests.update(seal_request(k.vault, updated))  # its notes go with the person
        extra = {} if details is None else details(request, updated)
        if told is not None:
            logged = InteractionLog(k.vault).record(
                uow,
                updated.subject_id,
                at=now,
                kind=InteractionKind.REQUEST,
                direction=Direction.OUTBOUND,
                purpose_id=None,
                channel=channel,
                content=told,
            )
            extra["interaction"] = str(logged.id)
        k.audit(
            uow,
            action,
            updated.subject_id,
            at=now,
            details={"request": str(updated.id), **extra},
        )
        uow.commit()
    return updated


def extend_request(
    k: Kernel,
    request_id: uuid.UUID,
    *,
    reasons: str,
    at: datetime | None,
    channel: str = UNRECORDED,
) -> DataSubjectRequest:
    now = k.now(at)
    return _transition(
        k,
        request_id,
        "request.extended",
        now,
        lambda r: rules.extend(r, reasons=reasons, at=now, tz=k.tz, calendar=k.calendar),
        told=reasons,
        channel=channel,
    )


def ask_identity(
    k: Kernel,
    request_id: uuid.UUID,
    *,
    doubt: str,
    at: datetime | None,
    channel: str = UNRECORDED,
) -> DataSubjectRequest:
    now = k.now(at)
    return _transition(
        k,
        request_id,
        "request.identity-asked",
        now,
        lambda r: rules.ask_identity(r, doubt=doubt, at=now),
        told=doubt,
        channel=channel,
    )


def identity_received(k: Kernel, request_id: uuid.UUID, at: datetime | None) -> DataSubjectRequest:
    now = k.now(at)
    return _transition(
        k,
        request_id,
        "request.identity-received",
        now,
        lambda r: rules.identity_received(r, at=now, tz=k.tz, calendar=k.calendar),
        lambda _, new: {"due": new.due_at.date().isoformat()},
    )


def refuse_request(
    k: Kernel,
    request_id: uuid.UUID,
    *,
    reasons: str,
    language: str,
    at: datetime | None,
    channel: str = UNRECORDED,
) -> DataSubjectRequest:
    now = k.now(at)
    shown, _ = localized(k.declarations, language)  # the authority named in that language
    outcome = refusal_text(reasons, shown.controller.supervisory_authority, language)
    return _transition(
        k,
        request_id,
        "request.refused",
        now,
        lambda r: rules.refuse(r, reasons=reasons, outcome=outcome, at=now),
        told=outcome,
        channel=channel,
    )


def complete_request(
    k: Kernel,
    request_id: uuid.UUID,
    *,
    outcome: str,
    at: datetime | None,
    channel: str = UNRECORDED,
) -> DataSubjectRequest:
    now = k.now(at)
    return _transition(
        k,
        request_id,
        "request.completed",
        now,
        lambda r: rules.complete(r, outcome=outcome, at=now),
        lambda old, _: {"late": rules.is_late(old, now)},
        told=outcome,
        channel=channel,
    )


def open_requests(k: Kernel) -> list[DataSubjectRequest]:
    with k.storage.unit_of_work(read_only=True) as uow:
        found = uow.requests.open_by_due(100_000)
    return [open_request(k.vault, r) for r in found]


class RequestOperations:
    """The Art. 12 half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def receive_request(
        self, subject_id: SubjectId, kind: RequestKind, received_at: datetime | None = None
    ) -> DataSubjectRequest:
        """Register a request; its due date follows Art. 12(3) in the controller's zone."""
        return receive_request(self._k, subject_id, kind, received_at)

    def extend_request(
        self,
        request_id: uuid.UUID,
        *,
        reasons: str,
        at: datetime | None = None,
        channel: str = UNRECORDED,
    ) -> DataSubjectRequest:
        """Art. 12(3): two more months, if the person is told why within the first month
        (the telling is logged as an interaction through ``channel``)."""
        return extend_request(self._k, request_id, reasons=reasons, at=at, channel=channel)

    def ask_identity(
        self,
        request_id: uuid.UUID,
        *,
        doubt: str,
        at: datetime | None = None,
        channel: str = UNRECORDED,
    ) -> DataSubjectRequest:
        """Art. 12(6): ask for more identification, only on a recorded reasonable doubt;
        the clock stops until it arrives (the asking is logged as an interaction)."""
        return ask_identity(self._k, request_id, doubt=doubt, at=at, channel=channel)

    def identity_received(
        self, request_id: uuid.UUID, at: datetime | None = None
    ) -> DataSubjectRequest:
        """The identification arrived: the clock runs again, the due date moves."""
        return identity_received(self._k, request_id, at)

    def refuse_request(
        self,
        request_id: uuid.UUID,
        *,
        reasons: str,
        language: str = "fr",
        at: datetime | None = None,
        channel: str = UNRECORDED,
    ) -> DataSubjectRequest:
        """Art. 12(4)-(5): refuse, with the reasons and the right to complain and to a
        judicial remedy stated in the outcome, in ``language`` ("fr" or "en"); the text
        sent is logged as an interaction through ``channel``."""
        return refuse_request(
            self._k, request_id, reasons=reasons, language=language, at=at, channel=channel
        )

    def complete_request(
        self,
        request_id: uuid.UUID,
        *,
        outcome: str,
        at: datetime | None = None,
        channel: str = UNRECORDED,
    ) -> DataSubjectRequest:
        """Close a request as answered; the audit records whether it was late, the
        interaction log the answer (through ``channel``)."""
        return complete_request(self._k, request_id, outcome=outcome, at=at, channel=channel)

    def open_requests(self) -> list[DataSubjectRequest]:
        """Open requests, soonest due first."""
        return open_requests(self._k)

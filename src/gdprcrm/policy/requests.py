"""Data-subject requests: the lawful transitions of Art. 12, as pure functions.

Each function takes a request, an instant and what the law needs, and returns the
request as it becomes, or raises :class:`~gdprcrm.errors.InvalidInput` saying which
paragraph forbids the step. Due dates come from :mod:`gdprcrm.deadlines`.

* Art. 12(3) - an answer within one month of receipt; extendable by two further months
  only if the person is told, with reasons, within the first month.
* Art. 12(4) - a refusal gives its reasons and the remedies (complaint, court).
* Art. 12(6) - more identification only on a recorded reasonable doubt; the clock is
  suspended while it is awaited (French practice), modelled as a pause.
* A closed request (answered or refused) takes no further step.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs

from gdprcrm.deadlines import FRANCE, HolidayCalendar, Pause, extended_due, request_due
from gdprcrm.errors import InvalidInput
from gdprcrm.model import (
    DataSubjectRequest,
    IdentityStatus,
    RequestKind,
    RequestStatus,
    SubjectId,
)

__all__ = [
    "ask_identity",
    "complete",
    "ensure_open",
    "extend",
    "identity_received",
    "is_late",
    "new_request",
    "pauses",
    "refuse",
]

_CLOSED = frozenset({RequestStatus.COMPLETED, RequestStatus.REFUSED})


def _reasons(value: object, article: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"Art. {article}: {what}")
    return value


def _local_day(instant: datetime | None, tz: str) -> date | None:
    return None if instant is None else instant.astimezone(ZoneInfo(tz)).date()


def _dated(request: DataSubjectRequest, tz: str) -> DataSubjectRequest:
    """The request with ``due_date``: the local calendar date of its effective due."""
    due = request.extended_due_at or request.due_at
    return attrs.evolve(request, due_date=_local_day(due, tz))


def new_request(
    subject_id: SubjectId,
    kind: RequestKind,
    received_at: datetime,
    *,
    tz: str,
    calendar: HolidayCalendar = FRANCE,
) -> DataSubjectRequest:
    """A request received at ``received_at``, due per Art. 12(3) in the zone ``tz``."""
    if not isinstance(kind, RequestKind):
        raise InvalidInput("receive_request(kind): expected a RequestKind")
    due = request_due(received_at, tz=tz, calendar=calendar)
    assert due is not None  # no pause yet
    return _dated(DataSubjectRequest(subject_id, kind, received_at, due), tz)


def ensure_open(request: DataSubjectRequest) -> DataSubjectRequest:
    """A closed request takes no further step."""
    if request.status in _CLOSED:
        raise InvalidInput(f"request {request.id} is closed")
    return request


def pauses(request: DataSubjectRequest) -> list[Pause]:
    """Art. 12(6): the interval during which identification was awaited, if any."""
    if request.identity_requested_at is None:
        return []
    return [Pause(request.identity_requested_at, request.identity_received_at)]


def extend(
    request: DataSubjectRequest,
    *,
    reasons: str,
    at: datetime,
    tz: str,
    calendar: HolidayCalendar = FRANCE,
) -> DataSubjectRequest:
    """Art. 12(3): two more months, if the person is told why within the first month."""
    _reasons(reasons, "12(3)", "an extension must give its reasons")
    ensure_open(request)
    if at > request.due_at:
        raise InvalidInput(
            "Art. 12(3): the extension must be notified within the first month "
            f"(by {request.due_at:%Y-%m-%d})"
        )
    extended = extended_due(request.received_at, tz=tz, calendar=calendar, pauses=pauses(request))
    extended_request = attrs.evolve(
        request,
        status=RequestStatus.EXTENDED,
        extended_due_at=extended,
        extension_reason=reasons,
    )
    return _dated(extended_request, tz)


def ask_identity(request: DataSubjectRequest, *, doubt: str, at: datetime) -> DataSubjectRequest:
    """Art. 12(6): ask for more identification on a recorded reasonable doubt; the
    clock stops until it arrives."""
    _reasons(doubt, "12(6)", "more identification needs a reasonable doubt")
    ensure_open(request)
    return attrs.evolve(
        request,
        status=RequestStatus.AWAITING_IDENTITY,
        identity=IdentityStatus.REQUESTED,
        identity_doubt=doubt,
        identity_requested_at=at,
        identity_received_at=None,
    )


def identity_received(
    request: DataSubjectRequest,
    *,
    at: datetime,
    tz: str,
    calendar: HolidayCalendar = FRANCE,
) -> DataSubjectRequest:
    """The identification arrived: the clock runs again and the due dates move."""
    ensure_open(request)
    if request.identity_requested_at is None:
        raise InvalidInput("no identification was asked for this request")
    resumed = attrs.evolve(request, identity_received_at=at)
    stopped = pauses(resumed)
    due = request_due(request.received_at, tz=tz, calendar=calendar, pauses=stopped)
    assert due is not None  # the pause is closed
    extended = None
    if request.extended_due_at is not None:
        extended = extended_due(request.received_at, tz=tz, calendar=calendar, pauses=stopped)
    verified = attrs.evolve(
        resumed,
        identity=IdentityStatus.VERIFIED,
        due_at=due,
        extended_due_at=extended,
        status=RequestStatus.EXTENDED if extended else RequestStatus.OPEN,
    )
    return _dated(verified, tz)


def refuse(
    request: DataSubjectRequest, *, reasons: str, outcome: str, at: datetime
) -> DataSubjectRequest:
    """Art. 12(4)-(5): refuse, with ``outcome`` the text that gives the reasons and the
    remedies (:func:`gdprcrm.documents.refusal_text`)."""
    _reasons(reasons, "12(4)", "a refusal must give its reasons")
    ensure_open(request)
    if reasons.strip() not in outcome:
        raise InvalidInput("Art. 12(4): the refusal text must state its reasons")
    return attrs.evolve(request, status=RequestStatus.REFUSED, closed_at=at, outcome=outcome)


def complete(request: DataSubjectRequest, *, outcome: str, at: datetime) -> DataSubjectRequest:
    """Close a request as answered."""
    ensure_open(request)
    return attrs.evolve(request, status=RequestStatus.COMPLETED, closed_at=at, outcome=outcome)


def is_late(request: DataSubjectRequest, at: datetime) -> bool:
    """Art. 12(3): answered after its (extended) due date."""
    return at > (request.extended_due_at or request.due_at)

"""Requests (Art. 12): extension, identification on doubt, refusal, completion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gdprcrm.errors import InvalidInput
from gdprcrm.model import IdentityStatus, RequestKind, RequestStatus
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock

PARIS = ZoneInfo("Europe/Paris")
JAN_31 = datetime(2026, 1, 31, 9, tzinfo=UTC)
"""Requests received on 31 January: one month later is the end of February."""


@pytest.fixture
def gdprcrm_clock() -> FrozenClock:
    """The shipped fixture, overridden: this module's clock starts on 31 January."""
    return FrozenClock(JAN_31)


def _local(at: datetime | None) -> date:
    assert at is not None
    return at.astimezone(PARIS).date()


def test_an_extension_needs_reasons_and_must_come_in_time(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    request = crm.receive_request(sid, RequestKind.ACCESS)
    with pytest.raises(InvalidInput, match="reasons"):
        crm.extend_request(request.id, reasons=" ")
    with pytest.raises(InvalidInput, match="first month"):
        crm.extend_request(
            request.id, reasons="many records", at=request.due_at + timedelta(seconds=1)
        )
    extended = crm.extend_request(request.id, reasons="archives on paper to search")
    assert extended.status is RequestStatus.EXTENDED
    assert _local(extended.extended_due_at) == date(2026, 4, 28)
    assert [r.id for r in crm.open_requests()] == [request.id]


def test_identification_only_on_doubt_and_the_clock_stops(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    request = crm.receive_request(
        sid, RequestKind.ERASURE, received_at=datetime(2026, 1, 5, 9, tzinfo=UTC)
    )
    with pytest.raises(InvalidInput, match=r"12\(6\)"):
        crm.ask_identity(request.id, doubt="")
    asked = crm.ask_identity(
        request.id,
        doubt="request sent from an unknown address",
        at=datetime(2026, 1, 10, 9, tzinfo=UTC),
    )
    assert asked.status is RequestStatus.AWAITING_IDENTITY
    back = crm.identity_received(request.id, at=datetime(2026, 1, 17, 9, tzinfo=UTC))
    assert back.identity is IdentityStatus.VERIFIED
    assert _local(back.due_at) == date(2026, 2, 12)  # 5 Feb + 7 days paused


def test_a_refusal_states_the_reasons_and_the_remedies(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    request = crm.receive_request(sid, RequestKind.ACCESS)
    with pytest.raises(InvalidInput, match=r"12\(4\)"):
        crm.refuse_request(request.id, reasons="")
    refused = crm.refuse_request(request.id, reasons="Demande manifestement excessive.")
    assert refused.status is RequestStatus.REFUSED
    assert refused.outcome is not None
    assert "Commission nationale" in refused.outcome
    assert "recours juridictionnel" in refused.outcome
    assert crm.open_requests() == []
    with pytest.raises(InvalidInput, match="closed"):
        crm.complete_request(request.id, outcome="done")


def test_completion_records_whether_it_was_late(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    request = crm.receive_request(sid, RequestKind.ACCESS)
    crm.complete_request(request.id, outcome="report sent", at=request.due_at + timedelta(days=1))
    with crm.storage.unit_of_work(read_only=True) as uow:
        last = uow.audit.range(0)[-1]
    assert last.action == "request.completed"
    assert dict(last.details)["late"] is True

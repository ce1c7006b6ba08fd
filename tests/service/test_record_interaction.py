"""The transparency log through the Controller (Art. 5(1)(a), 12, 5(1)(e))."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gdprcrm.errors import InvalidInput, PurposeLimitation, UnknownPurpose, UnknownRecord
from gdprcrm.model import ConsentGrant, Direction, InteractionKind
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock

LEA = {"email": "lea@example.fr", "name": "Léa"}


def test_an_inbound_contact_is_logged_audited_and_moves_the_retention_anchor(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject(
        LEA, "FR", purposes=["newsletter"], consents=[ConsentGrant("newsletter", "web-form")]
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        (before,) = uow.retention.for_subject(sid)
    clock.advance(days=400)
    crm.record_interaction(
        sid,
        kind=InteractionKind.CONTACT,
        direction=Direction.INBOUND,
        purpose_id="newsletter",
        channel="e-mail",
        content="Léa asked for the spring catalogue",
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        (after,) = uow.retention.for_subject(sid)
        last = uow.audit.head()
    assert after.due_at == before.due_at + timedelta(days=400)  # CNIL: from the last contact
    assert last is not None
    assert last.action == "interaction.recorded"
    assert "Léa" not in repr(last.details)
    (logged,) = crm.interactions(sid)
    assert logged.content == "Léa asked for the spring catalogue"


def test_an_outbound_communication_does_not_move_the_anchor(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject(
        LEA, "FR", purposes=["newsletter"], consents=[ConsentGrant("newsletter", "web-form")]
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        (before,) = uow.retention.for_subject(sid)
    clock.advance(days=30)
    crm.record_interaction(
        sid,
        kind=InteractionKind.COMMUNICATION,
        direction=Direction.OUTBOUND,
        purpose_id="newsletter",
        channel="e-mail",
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        (after,) = uow.retention.for_subject(sid)
    assert after.due_at == before.due_at


def test_bad_interactions_are_refused_and_write_nothing(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["customer-relationship"])
    cases = [
        ({"purpose_id": "astrology"}, UnknownPurpose),
        ({"purpose_id": "prospecting"}, PurposeLimitation),  # not one of this person's
        ({"channel": "Léa's mobile +33 6 12 34 56 78"}, InvalidInput),  # free text
        ({"kind": "contact"}, InvalidInput),
    ]
    for change, error in cases:
        arguments = {
            "kind": InteractionKind.CONTACT,
            "direction": Direction.INBOUND,
            "purpose_id": "customer-relationship",
            "channel": "phone",
            **change,
        }
        with pytest.raises(error):
            crm.record_interaction(sid, **arguments)  # type: ignore[arg-type]
    assert crm.interactions(sid) == []


def test_an_erased_persons_interactions_are_gone(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["customer-relationship"])
    crm.record_interaction(
        sid,
        kind=InteractionKind.CONTACT,
        direction=Direction.INBOUND,
        purpose_id="customer-relationship",
        channel="phone",
        content="called about an order",
    )
    assert crm.erase(sid).completed
    assert crm.interactions(sid) == []
    with pytest.raises(UnknownRecord):
        crm.record_interaction(
            sid,
            kind=InteractionKind.CONTACT,
            direction=Direction.INBOUND,
            purpose_id="customer-relationship",
            channel="phone",
        )

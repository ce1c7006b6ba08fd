"""Ordinary updates versus Art. 16 rectification, and new purposes for a known person."""

from __future__ import annotations

import pytest

from gdprcrm.errors import MinimisationError, Suppressed, UnknownPurpose
from gdprcrm.model import AnchorEvent
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock


def test_an_update_is_audited_and_notifies_no_recipient(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.update(sid, {"email": "lea@new.example"})
    assert crm.values(sid) == {"email": "lea@new.example"}
    assert crm.find_subject(email="lea@new.example") == [sid]
    assert crm.pending_notifications() == []  # Art. 19 is for rectification, not updates
    crm.rectify(sid, {"email": "lea@fixed.example"})
    assert [n.recipient_id for n in crm.pending_notifications()] == ["emailing-provider"]
    with crm.storage.unit_of_work(read_only=True) as uow:
        actions = [e.action for e in uow.audit.range(0)]
    assert "subject.updated" in actions
    assert "subject.rectified" in actions
    with pytest.raises(MinimisationError):
        crm.update(sid, {"invoices": "F-1"})  # Art. 5(1)(c): no purpose of hers needs it


def test_a_prospect_becomes_a_customer(crm: Controller, clock: FrozenClock) -> None:
    sid = crm.add_subject({"email": "hugo@shop.example"}, "FR", purposes=["prospecting"])
    with pytest.raises(MinimisationError):
        crm.update(sid, {"orders": "lamp-12"})  # not before a purpose needs it
    now = crm.add_purposes(
        sid, ["customer-relationship"], values={"orders": "lamp-12", "name": "Hugo"}
    )
    assert now == {"prospecting", "customer-relationship"}
    assert crm.values(sid)["orders"] == "lamp-12"
    assert crm.decide(sid, "customer-relationship").allowed
    crm.end_relationship(sid)
    assert AnchorEvent.END_OF_RELATIONSHIP in crm.state(sid).anchors
    with pytest.raises(UnknownPurpose):
        crm.add_purposes(sid, ["telemarketing"])


def test_new_direct_marketing_purposes_respect_the_suppression_list(crm: Controller) -> None:
    # Art. 21(3): a contact point that objected to direct marketing is not taken back
    # into it through another subject record either.
    old = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["prospecting"])
    crm.object(old, direct_marketing=True)
    customer = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"}, "FR", purposes=["customer-relationship"]
    )
    with pytest.raises(Suppressed):
        crm.add_purposes(customer, ["newsletter"])
    assert crm.subject(customer).purposes == {"customer-relationship"}

"""Retention sweeps (Art. 5(1)(e)) and the breach register (Art. 33, 34)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import InvalidInput
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import (
    Breach,
    CommunicationException,
    ConsentGrant,
    Direction,
    InteractionKind,
    NotificationEvent,
)
from gdprcrm.policy import Reason
from gdprcrm.service import Controller
from gdprcrm.testing import T0, FrozenClock
from gdprcrm.vault import CertificateSigner

SIGNER = CertificateSigner.generate("atelier-lumiere-dpo")


def test_a_sweep_touches_only_what_is_due(crm: Controller) -> None:
    subscribed = [ConsentGrant("newsletter", "web-form")]  # Art. 6(1)(a), at collection
    quiet = crm.add_subject(
        {"email": "quiet@example.fr"}, "FR", purposes=["newsletter"], consents=subscribed
    )
    chatty = crm.add_subject(
        {"email": "chatty@example.fr"}, "FR", purposes=["newsletter"], consents=subscribed
    )
    prospect = crm.add_subject({"email": "buyer@shop.example"}, "FR", purposes=["prospecting"])
    with crm.storage.unit_of_work() as uow:  # a contact from the person moves the anchor
        InteractionLog(crm.vault).record(
            uow,
            chatty,
            at=T0 + relativedelta(years=2),
            kind=InteractionKind.CONTACT,
            direction=Direction.INBOUND,
            purpose_id="newsletter",
            channel="email",
        )
        uow.commit()
    seen: list[tuple[int, int]] = []
    assert crm.sweep(at=T0 + relativedelta(years=2)).examined == 0
    result = crm.sweep(at=T0 + relativedelta(years=3), progress=lambda d, t: seen.append((d, t)))
    assert result.examined == 3
    assert result.erased == 1  # quiet: newsletter expired, nothing left -> erased
    assert result.flagged == 1  # the prospect: CNIL re-contact review
    assert result.rescheduled == 1  # chatty: its last contact moved the anchor
    assert result.erasures_completed == 1
    assert seen[-1] == (3, 3)
    assert crm.values(quiet) == {}
    assert crm.decide(quiet, "newsletter").reasons == (Reason.ERASED,)
    assert crm.values(chatty) == {"email": "chatty@example.fr"}
    assert crm.values(prospect) == {"email": "buyer@shop.example"}
    with crm.storage.unit_of_work(read_only=True) as uow:
        (moved,) = uow.retention.for_subject(chatty)
    assert moved.due_at == T0 + relativedelta(years=5)
    # Art. 19 with 17(1)(a): the expired purpose's recipients are told, once.
    assert [(n.subject_id, n.event, n.recipient_id) for n in crm.pending_notifications()] == [
        (quiet, NotificationEvent.ERASURE, "emailing-provider")
    ]
    assert crm.verify_audit().ok


def test_a_sweep_removes_only_the_fields_no_other_purpose_needs(crm: Controller) -> None:
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa", "newsletter_clicks": "12"},
        "FR",
        purposes=["newsletter", "after-sales"],
    )
    crm.sweep(at=T0 + relativedelta(years=3))
    # after-sales (contract) still needs email and name; the clicks were newsletter's only.
    assert crm.values(sid) == {"email": "lea@example.fr", "name": "Léa"}
    assert crm.subject(sid).purposes == {"after-sales"}


def test_the_breach_register(crm: Controller) -> None:
    breach = crm.record_breach(
        Breach(
            T0,
            "laptop stolen",
            {"contact.email"},
            approx_subjects=120,
            approx_records=360,
            high_risk=True,
        )
    )
    with pytest.raises(InvalidInput, match=r"33\(1\)"):
        crm.notify_breach(breach.id, at=T0 + timedelta(hours=73))
    late = crm.notify_breach(
        breach.id, at=T0 + timedelta(hours=73), delay_reasons="forensic analysis over the weekend"
    )
    assert late.delay_reasons is not None
    on_time = crm.record_breach(
        Breach(T0 + timedelta(hours=1), "misdirected email", approx_subjects=1)
    )
    assert crm.notify_breach(on_time.id, at=T0 + timedelta(hours=72)).delay_reasons is None
    told = crm.communicate_breach(breach.id, exception=CommunicationException.UNINTELLIGIBLE)
    assert told.communication_exception is CommunicationException.UNINTELLIGIBLE
    assert told.communicated_at is None
    assert [b.id for b in crm.breaches()] == [breach.id, on_time.id]
    assert crm.verify_audit().ok


def test_the_end_of_the_relationship_starts_the_customer_retention(crm: Controller) -> None:
    sid = crm.add_subject(
        {"email": "lea@example.fr", "orders": "lampe-12"}, "FR", purposes=["customer-relationship"]
    )
    assert crm.decide(sid, "customer-relationship", at=T0 + relativedelta(years=20)).allowed
    crm.end_relationship(sid, at=T0 + relativedelta(years=1))
    with crm.storage.unit_of_work(read_only=True) as uow:
        (due,) = uow.retention.for_subject(sid)
    assert due.due_at == T0 + relativedelta(years=6)  # 5 years from the end (CNIL)
    assert crm.decide(sid, "customer-relationship", at=T0 + relativedelta(years=5)).allowed
    assert crm.decide(sid, "customer-relationship", at=T0 + relativedelta(years=6)).reasons == (
        Reason.RETENTION_EXPIRED,
    )
    result = crm.sweep(at=T0 + relativedelta(years=6))
    assert result.erased == 1
    assert result.erasures_completed == 1
    assert crm.values(sid) == {}


def test_a_sweep_waits_for_an_open_access_request(crm: Controller, clock: FrozenClock) -> None:
    # EDPB 01/2022: the answer to an access request reflects the data when it was asked;
    # a retention sweep due meanwhile waits for the answer, then applies.
    from dateutil.relativedelta import relativedelta

    from gdprcrm.model import RequestKind

    sid = crm.add_subject({"email": "p@shop.example"}, "FR", purposes=["prospecting"])
    request = crm.receive_request(sid, RequestKind.ACCESS, received_at=T0)
    later = T0 + relativedelta(years=3, days=1)
    waited = crm.sweep(at=later)
    assert waited.deferred == 1
    assert crm.values(sid) == {"email": "p@shop.example"}
    crm.complete_request(request.id, outcome="answered", at=later)
    applied = crm.sweep(at=later + relativedelta(days=1))
    assert applied.deferred == 0
    assert applied.flagged == 1  # prospecting's rule at expiry: review (CNIL: one re-contact)

"""Access (15), rectification (16), restriction (18), portability (20), objection (21)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, datetime, timedelta

import attrs
import jsonschema
import pytest
from dateutil.relativedelta import relativedelta

from gdprcrm.documents import portability_schema
from gdprcrm.errors import InvalidInput, UnknownRecord
from gdprcrm.interactions import InteractionLog
from gdprcrm.model import (
    Direction,
    InteractionKind,
    NotificationEvent,
    RestrictionGround,
    SubjectId,
)
from gdprcrm.policy import Operation, Reason
from gdprcrm.service import Controller, MinimisationError, Suppressed
from gdprcrm.testing import T0
from gdprcrm.vault import CertificateSigner

SIGNER = CertificateSigner.generate("atelier-lumiere-dpo")
CUSTOMER = {
    "email": "lea.martin@example.fr",
    "name": "Léa Martin",
    "postal_address": "3 rue des Lilas, 69003 Lyon",
    "invoices": "F-2026-001:129.00",
    "newsletter_clicks": "2026-01:3",
    "orders": "lampe-atelier-12",
}
PURPOSES = ["customer-relationship", "invoicing", "newsletter"]


def test_the_access_report_has_every_stored_value_and_the_article_15_facts(
    crm: Controller,
) -> None:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES, birth_date=date(1990, 6, 1))
    crm.give_consent(sid, "newsletter", channel="web-form")
    with crm.storage.unit_of_work() as uow:
        InteractionLog(crm.vault).record(
            uow,
            sid,
            at=T0,
            kind=InteractionKind.DATA_USE,
            direction=Direction.OUTBOUND,
            purpose_id="newsletter",
            channel="email",
            content="Voici comment nous utilisons...",
        )
        uow.commit()
    report = crm.access_report(sid)
    assert report["confirmation"] is True
    assert {k: v for k, v in report["data"].items() if k in CUSTOMER} == CUSTOMER
    assert report["birth_date"] == "1990-06-01"  # every stored value, by its meaning
    assert not any(name.startswith("gdprcrm") for name in report["data"])  # internal names
    assert {p["id"] for p in report["purposes"]} == set(PURPOSES)
    invoicing = next(p for p in report["purposes"] if p["id"] == "invoicing")
    assert invoicing["recipients"][0]["category"] == "expert-comptable"
    assert "L123-22" in invoicing["retention"]
    assert report["complaint"]["authority"].startswith("Commission nationale")
    assert report["consents"][0]["purpose_id"] == "newsletter"
    assert report["interactions"][0]["content"] == "Voici comment nous utilisons..."
    json.dumps(report)  # JSON-ready


def test_the_export_holds_provided_data_under_consent_or_contract_only(
    crm: Controller,
) -> None:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES, birth_date=date(1990, 6, 1))
    document = json.loads(crm.export(sid))
    jsonschema.validate(document, portability_schema())
    exported = {row["field"]: row for row in document["data"]}
    # invoices are kept under a legal obligation only: not portable (Art. 20(1)(a));
    # the birth date is internal; newsletter_clicks are observed data: portable.
    assert set(exported) == {"email", "name", "postal_address", "orders", "newsletter_clicks"}
    assert exported["newsletter_clicks"]["provenance"] == "observed"
    assert exported["postal_address"]["purposes"] == ["customer-relationship"]
    rows = list(csv.DictReader(io.StringIO(crm.export(sid, fmt="csv"))))
    assert {r["field"]: r["value"] for r in rows} == {k: CUSTOMER[k] for k in exported}
    with pytest.raises(InvalidInput):
        crm.export(sid, fmt="xml")


def test_an_export_never_contains_another_subjects_data(crm: Controller) -> None:
    a = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)
    b = crm.add_subject(
        {"email": "other@example.fr", "name": "Autre"}, "FR", purposes=["newsletter"]
    )
    text = crm.export(a)
    assert "other@example.fr" not in text
    assert str(b) not in text


def test_rectification_is_visible_everywhere_and_names_the_recipients(
    crm: Controller,
) -> None:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)
    recipients = crm.rectify(sid, {"email": "lea.new@example.fr"})
    assert recipients == ("emailing-provider",)  # newsletter's processor (Art. 19)
    assert crm.values(sid)["email"] == "lea.new@example.fr"
    assert crm.find_subject(email="lea.new@example.fr") == [sid]
    assert crm.find_subject(email="lea.martin@example.fr") == []
    with pytest.raises(MinimisationError):
        crm.rectify(sid, {"support_tickets": "T-1"})  # after-sales is not a purpose here


def test_restriction_allows_storage_only_until_lifted(crm: Controller) -> None:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)
    restriction = crm.restrict(sid, RestrictionGround.ACCURACY_CONTESTED)
    assert crm.decide(sid, "customer-relationship").reasons == (Reason.RESTRICTED,)
    assert crm.decide(sid, "customer-relationship", operation=Operation.STORE).allowed
    with pytest.raises(InvalidInput, match=r"18\(3\)"):
        crm.lift_restriction(
            restriction, informed_at=T0 + timedelta(days=2), at=T0 + timedelta(days=1)
        )
    crm.lift_restriction(restriction, informed_at=T0, at=T0 + timedelta(days=1))
    assert crm.decide(sid, "customer-relationship", at=T0 + timedelta(days=2)).allowed


def test_objections(crm: Controller) -> None:
    sid = crm.add_subject(
        {"email": "buyer@shop.example", "company": "Shop"}, "FR", purposes=["prospecting"]
    )
    with pytest.raises(InvalidInput, match=r"Art\. 21"):
        crm.object(sid, "invoicing")  # a legal obligation: no right to object
    crm.object(sid, direct_marketing=True)
    assert crm.decide(sid, "prospecting").reasons == (Reason.DIRECT_MARKETING_OBJECTION,)


def test_an_objection_to_one_marketing_purpose_has_one_scope(crm: Controller) -> None:
    # Art. 21(2)-(3): the scope at signup (the suppression list) and for the subject
    # are the same: every direct-marketing purpose, the newsletter included.
    sid = crm.add_subject(
        {"email": "buyer@shop.example", "company": "Shop"},
        "FR",
        purposes=["prospecting", "newsletter"],
        birth_date=date(1990, 1, 1),
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    assert crm.decide(sid, "newsletter").allowed
    crm.object(sid, "prospecting")
    for purpose in ("prospecting", "newsletter"):
        assert crm.decide(sid, purpose).reasons == (Reason.DIRECT_MARKETING_OBJECTION,)
    with pytest.raises(Suppressed):
        crm.add_subject({"email": "buyer@shop.example"}, "FR", purposes=["newsletter"])


def test_a_marketing_objection_outlives_erasure_as_a_hashed_entry(crm: Controller) -> None:
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"},
        "FR",
        purposes=["newsletter"],
        birth_date=date(1990, 1, 1),
    )
    crm.object(sid, direct_marketing=True)
    assert crm.erase(sid).completed
    with pytest.raises(Suppressed, match=r"21\(3\)"):
        crm.add_subject({"email": " LEA@example.fr"}, "FR", purposes=["newsletter"])
    # The same person may still become a customer: the list only bars marketing.
    crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"}, "FR", purposes=["customer-relationship"]
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert uow.subjects.count() == 2


def test_every_recipient_is_owed_word_of_each_change_until_reported_sent(
    crm: Controller,
) -> None:
    # Art. 19: rectification, erasure and restriction are each communicated to every
    # recipient the data was disclosed to; the queue proves it was done (Art. 5(2)).
    sid = crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)
    assert crm.pending_notifications() == []
    told = crm.rectify(sid, {"email": "lea.new@example.fr"}, at=T0 + timedelta(hours=1))
    crm.restrict(sid, RestrictionGround.ACCURACY_CONTESTED, at=T0 + timedelta(hours=2))
    queued = crm.pending_notifications()
    all_ids = sorted({r.id for p in PURPOSES for r in crm.declarations.purpose(p).recipients})
    assert len(all_ids) > len(told) >= 1
    assert [(n.event, n.recipient_id) for n in queued[: len(told)]] == [
        (NotificationEvent.RECTIFICATION, r) for r in told
    ]
    assert sorted((n.event, n.recipient_id) for n in queued[len(told) :]) == [
        (NotificationEvent.RESTRICTION, r) for r in all_ids
    ]
    assert {n.subject_id for n in queued} == {sid}
    first = crm.notification_sent(queued[0].id, at=T0 + timedelta(days=1))
    assert first.sent_at == T0 + timedelta(days=1)
    assert crm.notification_sent(queued[0].id) == first  # a second report changes nothing
    assert crm.pending_notifications() == queued[1:]
    assert crm.pending_notifications(limit=1) == queued[1:2]
    assert crm.notifications(sid) == [first, *queued[1:]]  # the subject may ask who
    with pytest.raises(UnknownRecord):
        crm.notifications(SubjectId.new())
    with pytest.raises(UnknownRecord):
        crm.notification_sent(uuid.uuid4())
    with pytest.raises(InvalidInput):
        crm.notification_sent(queued[1].id, at=datetime(2026, 2, 1))  # naive
    with pytest.raises(UnknownRecord):
        crm.notifications_sent([queued[1].id, uuid.uuid4()])  # all or nothing
    assert crm.pending_notifications() == queued[1:]  # bad input changed nothing
    with crm.storage.unit_of_work(read_only=True) as uow:
        sent = [e for e in uow.audit.range(0) if e.action == "notification.sent"]
    assert len(sent) == 1
    assert "lea" not in repr(sent[0])
    assert crm.verify_audit().ok


def test_an_erasure_is_announced_to_each_recipient_once(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.erase(sid, dry_run=True)
    assert crm.pending_notifications() == []  # a dry run tells no one
    outcome = crm.erase(sid)
    assert outcome.completed
    queued = crm.pending_notifications()
    assert sorted((n.event, n.recipient_id) for n in queued) == [
        (NotificationEvent.ERASURE, r) for r in outcome.recipients
    ]
    assert outcome.recipients == ("emailing-provider",)
    assert crm.resume_erasures() == []
    assert crm.pending_notifications() == queued


def test_a_marketing_objection_is_forgotten_only_after_three_years(crm: Controller) -> None:
    # Art. 21(3), CNIL: the suppression list keeps an objection three years at least;
    # the purge takes only what is older than the declared period, and says so.
    objected_at = T0 + timedelta(days=1)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.object(sid, direct_marketing=True, at=objected_at)
    assert crm.erase(sid, at=objected_at).completed
    for years in (0, 2, True):
        with pytest.raises(InvalidInput, match="years"):
            crm.purge_suppressions(years, at=objected_at)
    three_years = objected_at + relativedelta(years=3)
    assert crm.purge_suppressions(at=three_years) == 0  # exactly three years: still kept
    with pytest.raises(Suppressed):
        crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    assert crm.purge_suppressions(5, at=three_years + timedelta(days=400)) == 0
    assert crm.purge_suppressions(at=three_years + timedelta(seconds=1)) == 1
    crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    with crm.storage.unit_of_work(read_only=True) as uow:
        purges = [e for e in uow.audit.range(0) if e.action == "suppressions.purged"]
    assert [dict(e.details)["removed"] for e in purges] == [0, 0, 1]
    # The cut is at - keep_years: a past date beside nothing personal, but the trail
    # takes no past dates (they read as dates of birth), so it records the years.
    assert dict(purges[-1].details)["keep_years"] == 3


def test_the_sweep_purges_the_suppression_list_after_the_declared_period() -> None:
    # Art. 21(3): a declared period (four years here) is applied by every sweep; entries
    # younger than it stay, and a sweep that purges nothing leaves no audit entry.
    from gdprcrm.examples import lumiere
    from gdprcrm.testing import make_controller

    decl = attrs.evolve(lumiere.declarations(), suppression_years=4)
    crm = make_controller(decl)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.object(sid, direct_marketing=True, at=T0)
    assert crm.sweep(at=T0 + relativedelta(years=4)).suppressions_purged == 0
    with pytest.raises(Suppressed):
        crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    assert crm.sweep(at=T0 + relativedelta(years=4, days=1)).suppressions_purged == 1
    crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    with crm.storage.unit_of_work(read_only=True) as uow:
        purges = [e for e in uow.audit.range(0) if e.action == "suppressions.purged"]
    assert [dict(e.details)["removed"] for e in purges] == [1]
    with pytest.raises(InvalidInput, match="3 years"):
        attrs.evolve(decl, suppression_years=2)

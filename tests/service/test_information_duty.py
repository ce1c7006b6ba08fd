"""Leads from third parties (Art. 14; issue 14, item 5): the information duty as a
queue, due at the earliest of one month, the first communication and the first
disclosure; met with proof, or exempt with its Art. 14(5) ground."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput, PurposeLimitation, Suppressed, UnknownRecord
from gdprcrm.model import (
    Channel,
    DataSource,
    Direction,
    DutyStatus,
    DutyTrigger,
    Exemption,
    InformationDuty,
    InteractionKind,
    SourceKind,
    SubjectId,
)
from gdprcrm.policy import Outreach
from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.testing.strategies import information_duties

HUGO = {"email": "hugo.bernard@boutique.example", "name": "Hugo Bernard", "company": "Lumen"}
LIST = DataSource("salon Maison & Objet 2026", kind=SourceKind.PURCHASED_LIST)


def _lead(crm: Controller) -> SubjectId:
    return crm.add_subject(HUGO, "FR", purposes=["prospecting"], source=LIST)


def test_a_lead_owes_the_information_within_a_month(crm: Controller, clock: FrozenClock) -> None:
    sid = _lead(crm)
    duty = crm.information_duty(sid)
    assert duty is not None
    assert duty.trigger is DutyTrigger.ONE_MONTH
    assert clock.now() + timedelta(days=28) <= duty.due_at <= clock.now() + timedelta(days=34)
    assert crm.information_duties() == [duty]
    assert crm.information_duties(overdue=True) == []
    clock.set(duty.due_at + timedelta(seconds=1))
    assert crm.information_duties(overdue=True) == [duty]
    # People who gave their data themselves owe nothing (Art. 13 applied at collection).
    own = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    assert crm.information_duty(own) is None
    assert crm.information_duties() == [duty]


def test_informing_is_recorded_with_its_proof_and_leaves_the_queue(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = _lead(crm)
    clock.advance(days=3)
    done = crm.information_given(sid, channel="e-mail")
    assert done.status is DutyStatus.INFORMED
    assert done.done_at == clock.now()
    assert done.channel == "e-mail"
    assert crm.information_duties() == []
    with pytest.raises(InvalidInput, match="already informed"):
        crm.information_given(sid, channel="post")
    with crm.storage.unit_of_work(read_only=True) as uow:
        (entry,) = [e for e in uow.audit.range(0) if e.action == "information.given"]
    details = dict(entry.details)
    logged = crm.interactions(sid)
    assert [(i.interaction.kind, i.interaction.purpose_id) for i in logged] == [
        (InteractionKind.DATA_USE, None)  # Art. 12(1): the log has what was said
    ]
    assert details == {
        "article": "14",
        "channel": "e-mail",
        "late": False,
        "interaction": str(logged[0].interaction.id),
    }


def test_the_first_message_makes_it_due_at_once() -> None:
    crm = make_controller()
    sid = _lead(crm)
    email = Outreach(Channel.EMAIL, "email")
    with crm.processing(sid, "prospecting", outreach=email):
        pass  # the first message goes out: it must carry the information (14(3)(b))
    duty = crm.information_duty(sid)
    assert duty is not None
    assert duty.trigger is DutyTrigger.FIRST_COMMUNICATION
    assert duty.due_at == crm.clock.now()
    crm.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert crm.information_duties(overdue=True) == [duty]  # not recorded: overdue


def test_an_outbound_interaction_or_a_disclosure_makes_it_due(crm: Controller) -> None:
    sid = _lead(crm)
    crm.record_interaction(
        sid,
        kind=InteractionKind.CONTACT,
        direction=Direction.INBOUND,
        purpose_id="prospecting",
        channel="phone",
    )
    assert crm.information_duty(sid).trigger is DutyTrigger.ONE_MONTH  # type: ignore[union-attr]
    crm.record_interaction(
        sid,
        kind=InteractionKind.CONTACT,
        direction=Direction.OUTBOUND,
        purpose_id="prospecting",
        channel="phone",
    )
    assert crm.information_duty(sid).trigger is DutyTrigger.FIRST_COMMUNICATION  # type: ignore[union-attr]
    other = _lead_with_email(crm, "zoe@atelier.example")
    crm.disclosed(other, "emailing-provider")
    duty = crm.information_duty(other)
    assert duty is not None
    assert duty.trigger is DutyTrigger.FIRST_DISCLOSURE
    with pytest.raises(PurposeLimitation):
        crm.disclosed(other, "chartered-accountant")  # not a recipient of prospecting


def _lead_with_email(crm: Controller, email: str) -> SubjectId:
    return crm.add_subject({**HUGO, "email": email}, "FR", purposes=["prospecting"], source=LIST)


def test_an_exemption_needs_its_ground_and_a_reference(crm: Controller) -> None:
    sid = _lead(crm)
    with pytest.raises(InvalidInput, match="reference"):
        crm.exempt_information(sid, Exemption.DISPROPORTIONATE, reference="Hugo's file")
    with pytest.raises(InvalidInput):
        crm.exempt_information(sid, "14(5)(b)", reference="dpo-2026-014")  # type: ignore[arg-type]
    assert crm.information_duty(sid).pending  # type: ignore[union-attr]
    done = crm.exempt_information(sid, Exemption.DISPROPORTIONATE, reference="dpo-2026-014")
    assert done.status is DutyStatus.EXEMPT
    assert done.exemption is Exemption.DISPROPORTIONATE
    assert crm.information_duties() == []
    with pytest.raises(UnknownRecord):
        crm.information_given(
            crm.add_subject({"email": "x@example.fr"}, "FR", purposes=["newsletter"]),
            channel="e-mail",
        )


def test_a_lead_who_objects_is_suppressed_and_an_erased_lead_owes_nothing(
    crm: Controller,
) -> None:
    sid = _lead(crm)
    crm.object(sid, direct_marketing=True)
    crm.erase(sid)
    assert crm.information_duty(sid) is None
    assert crm.information_duties() == []
    with pytest.raises(Suppressed):  # the same lead bought again from another list
        crm.add_subject(
            HUGO,
            "FR",
            purposes=["prospecting"],
            source=DataSource("un autre fichier", kind=SourceKind.PARTNER),
        )
    assert crm.information_duties() == []  # nothing half-written


@settings(max_examples=60)
@given(information_duties(), st.integers(0, 90), st.sampled_from(list(DutyTrigger)))
def test_a_duty_is_never_due_later_than_any_trigger(
    duty: InformationDuty, days: int, trigger: DutyTrigger
) -> None:
    at = duty.obtained_at + timedelta(days=days)
    moved = duty.due_earlier(at, trigger)
    if duty.pending:
        assert moved.due_at == min(duty.due_at, at)
        assert moved.overdue(moved.due_at + timedelta(seconds=1))
    else:
        assert moved == duty  # done is done


def test_the_library_s_own_answers_to_requests_are_logged(
    crm: Controller, clock: FrozenClock
) -> None:
    # Issue 13, item 7: what the controller tells the person about their request is in
    # the transparency log, sealed, with no purpose (it serves none).
    from gdprcrm.model import RequestKind

    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    asked = crm.receive_request(sid, RequestKind.ACCESS)
    crm.extend_request(asked.id, reasons="trois demandes complexes en cours", channel="e-mail")
    clock.advance(days=1)
    crm.complete_request(asked.id, outcome="rapport d'accès envoyé")
    clock.advance(days=1)
    refused = crm.receive_request(sid, RequestKind.ERASURE)
    crm.refuse_request(refused.id, reasons="obligation légale de conservation", channel="post")
    logged = crm.interactions(sid)
    assert [(i.interaction.kind, i.interaction.direction) for i in logged] == [
        (InteractionKind.REQUEST, Direction.OUTBOUND)
    ] * 3
    assert [i.interaction.channel for i in logged] == ["e-mail", "unrecorded", "post"]
    assert logged[0].content == "trois demandes complexes en cours"
    assert "CNIL" in (logged[2].content or "")  # the refusal text as sent, remedies included
    text = crm.access_report_text(sid, lang="fr")
    assert "vos données et vos droits" in text
    with pytest.raises(InvalidInput):
        crm.complete_request(refused.id, outcome="x", channel="Par courrier à Léa")

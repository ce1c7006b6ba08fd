"""A damaged ciphertext never blocks erasure, withdrawal or objection (Art. 17, 7(3), 21);
decide() answers a typed gap where the unreadable age matters (Art. 8)."""

from __future__ import annotations

from datetime import date

from gdprcrm.model import PersonalField
from gdprcrm.policy import Reason
from gdprcrm.service import BIRTH_DATE_FIELD, Controller


def _damage(crm: Controller, sid: object, field: str) -> None:
    with crm.storage.unit_of_work() as uow:
        (stored,) = uow.subjects.fields(sid, [field])  # type: ignore[arg-type]
        broken = bytearray(stored.ciphertext)
        broken[-1] ^= 0x01
        uow.subjects.put_fields(
            [PersonalField(stored.subject_id, field, bytes(broken), stored.updated_at)]
        )
        uow.commit()


def test_an_unreadable_birth_date_is_a_gap_and_blocks_nothing(crm: Controller) -> None:
    sid = crm.add_subject(
        {"email": "lea@example.fr"}, "FR", purposes=["newsletter"], birth_date=date(1990, 1, 1)
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    _damage(crm, sid, BIRTH_DATE_FIELD)
    assert crm.decide(sid, "newsletter").reasons == (Reason.AGE_UNREADABLE,)
    assert crm.decide(sid, "newsletter").is_gap
    assert len(crm.withdraw_consent(sid, "newsletter", channel="e-mail")) == 1
    crm.object(sid, direct_marketing=True)
    outcome = crm.erase(sid)
    assert outcome.completed
    assert crm.decide(sid, "newsletter").reasons == (Reason.ERASED,)


def test_an_unreadable_contact_point_does_not_block_an_objection(crm: Controller) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["prospecting"])
    _damage(crm, sid, "email")
    crm.object(sid, direct_marketing=True)
    with crm.storage.unit_of_work(read_only=True) as uow:
        last = uow.audit.head()
    assert last is not None
    assert last.action == "objection.recorded"
    assert dict(last.details)["unreadable_contact_points"] == 1
    assert crm.decide(sid, "prospecting").reasons == (Reason.DIRECT_MARKETING_OBJECTION,)


def test_a_damaged_value_never_hides_the_others(crm: Controller) -> None:
    # Art. 15, 20: the person gets every readable value, and is told which one is not.
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"}, "FR", purposes=["customer-relationship"]
    )
    _damage(crm, sid, "email")
    assert crm.values(sid) == {"name": "Léa"}
    report = crm.access_report(sid)
    assert report["data"] == {"name": "Léa"}
    assert report["unreadable"] == ["email"]
    assert "Léa" in crm.export(sid)
    assert crm.erase(sid).completed  # and it never blocks the erasure (Art. 17)

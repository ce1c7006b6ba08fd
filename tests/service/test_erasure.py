"""Erasure (Art. 17): held items and their reasons, shredding, crash recovery."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from gdprcrm.errors import SubjectErased, UnknownRecord
from gdprcrm.examples import lumiere
from gdprcrm.model import FinancialYearEnd, Restriction, RestrictionGround
from gdprcrm.policy import HoldReason, Reason
from gdprcrm.service import Controller
from gdprcrm.service import erasure as erasure_workflow
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.testing import T0, FrozenClock
from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault, verify_certificate

SIGNER = CertificateSigner.generate("atelier-lumiere-dpo")
CUSTOMER = {
    "email": "lea.martin@example.fr",
    "name": "Léa Martin",
    "postal_address": "3 rue des Lilas, 69003 Lyon",
    "invoices": "F-2026-001:129.00",
}


class ShredThenCrash(KeyVault):
    """A vault whose shred succeeds, then the process 'dies' before anything else."""

    crash = True

    def shred_many(self, subject_ids):  # type: ignore[no-untyped-def]
        # Every erasure path shreds through shred_many (shred is its one-subject case).
        certificates = super().shred_many(subject_ids)
        if self.crash:
            raise RuntimeError("power cut")
        return certificates


def make(clock: FrozenClock, vault_cls: type[KeyVault] = KeyVault) -> Controller:
    storage = MemoryStorage()
    vault = vault_cls(storage.key_store(), InMemoryKekSource(), signer=SIGNER, clock=clock)
    return Controller(storage, vault, lumiere.declarations(), clock=clock)


def test_erasing_a_newsletter_subscriber_shreds_everything(clock: FrozenClock) -> None:
    crm = make(clock)
    sid = crm.add_subject(
        {"email": "lea@example.fr", "name": "Léa"},
        "FR",
        purposes=["newsletter"],
        birth_date=date(1990, 1, 1),
    )
    crm.give_consent(sid, "newsletter", channel="web-form")
    outcome = crm.erase(sid)
    assert outcome.completed
    assert outcome.plan.held == ()
    assert outcome.recipients == ("emailing-provider",)  # Art. 19
    assert outcome.certificate is not None
    verify_certificate(outcome.certificate.to_json(), SIGNER.public_key)
    assert crm.values(sid) == {}
    assert crm.find_subject(email="lea@example.fr") == []
    assert crm.decide(sid, "newsletter").reasons == (Reason.ERASED,)
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert uow.subjects.fields(sid) == []
        assert uow.retention.for_subject(sid) == []
        entries = uow.audit.range(0)
    assert crm.verify_audit().ok  # erasure never breaks the chain
    assert all("lea" not in repr(e.details) for e in entries)
    with pytest.raises(UnknownRecord):
        crm.erase(sid)
    with pytest.raises(UnknownRecord):
        crm.give_consent(sid, "newsletter", channel="web-form")


def test_invoices_are_held_for_ten_years_then_shredded(clock: FrozenClock) -> None:
    crm = make(clock)
    sid = crm.add_subject(CUSTOMER, "FR", purposes=["customer-relationship", "invoicing"])
    outcome = crm.erase(sid, at=T0 + relativedelta(years=1))
    assert not outcome.completed
    assert outcome.certificate is None
    held = {f.field: f for f in outcome.plan.held}
    assert set(held) == {"name", "postal_address", "invoices"}
    assert {f.hold for f in held.values()} == {HoldReason.LEGAL_OBLIGATION}
    assert held["invoices"].legal_reference == "Code de commerce, art. L123-22"
    # L123-22: ten years from the close of the financial year of collection.
    until = FinancialYearEnd().close_after(T0) + relativedelta(years=10)
    assert held["invoices"].until == until
    assert outcome.plan.erased == ("email",)
    # What is held stays, for its own purpose only (Art. 17(3)(b)).
    assert crm.values(sid) == {k: v for k, v in CUSTOMER.items() if k != "email"}
    assert crm.find_subject(email="lea.martin@example.fr") == []
    assert crm.decide(sid, "invoicing").reasons == (Reason.BASIS_LEGAL_OBLIGATION,)
    assert crm.decide(sid, "customer-relationship").reasons == (Reason.ERASED,)
    assert crm.resume_erasures(at=T0 + relativedelta(years=9)) == []
    assert crm.resume_erasures(at=until - relativedelta(days=1)) == []
    done = crm.resume_erasures(at=until)
    assert [o.completed for o in done] == [True]
    assert crm.values(sid) == {}
    with pytest.raises(SubjectErased):
        crm.vault.encrypt(sid, "email", "again")


def test_a_dry_run_changes_nothing(clock: FrozenClock) -> None:
    crm = make(clock)
    sid = crm.add_subject(CUSTOMER, "FR", purposes=["customer-relationship", "invoicing"])
    with crm.storage.unit_of_work(read_only=True) as uow:
        before = (uow.subjects.get(sid), uow.subjects.fields(sid), uow.audit.range(0))
    outcome = crm.erase(sid, dry_run=True)
    assert outcome.dry_run
    assert outcome.plan.erased == ("email",)
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert (uow.subjects.get(sid), uow.subjects.fields(sid), uow.audit.range(0)) == before


def test_a_restriction_for_legal_claims_holds_everything(clock: FrozenClock) -> None:
    crm = make(clock)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    with crm.storage.unit_of_work() as uow:
        uow.restrictions.add(Restriction(sid, RestrictionGround.NEEDED_FOR_LEGAL_CLAIMS, T0))
        uow.commit()
    outcome = crm.erase(sid)
    assert [(f.field, f.hold) for f in outcome.plan.fields] == [("email", HoldReason.LEGAL_CLAIMS)]
    assert not outcome.completed


def test_an_erasure_interrupted_after_it_was_marked_is_completed_at_next_start(
    clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = make(clock)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])

    def die(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(erasure_workflow, "advance", die)
    with pytest.raises(RuntimeError):
        crm.erase(sid)
    monkeypatch.undo()  # the power is back
    assert crm.decide(sid, "newsletter").reasons == (Reason.ERASED,)  # pending: refused
    restarted = Controller(crm.storage, crm.vault, crm.declarations, clock=clock)
    (outcome,) = restarted.resume_erasures()
    assert outcome.completed
    assert restarted.values(sid) == {}


def test_an_erasure_interrupted_after_the_shred_is_completed_and_says_so(
    clock: FrozenClock,
) -> None:
    crm = make(clock, ShredThenCrash)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    with pytest.raises(RuntimeError):
        crm.erase(sid)
    crm.vault.crash = False  # type: ignore[attr-defined]
    (outcome,) = crm.resume_erasures()
    assert outcome.completed
    assert outcome.certificate is not None
    assert outcome.certificate.already_shredded
    assert crm.subject(sid).status.value == "erased"
    assert crm.verify_audit().ok

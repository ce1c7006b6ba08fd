"""Records (Art. 5(1)(b), (c), (e), 17): many dated records per person, each with its own
retention, hold and key scope. On the shipped French example: ``invoice`` (ten years
from the close of the financial year, Code de commerce L123-22) and ``order`` (five
years from the order)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from dateutil.relativedelta import relativedelta

from gdprcrm.documents.portability import portability_schema
from gdprcrm.errors import (
    InvalidInput,
    LegalHold,
    MinimisationError,
    NaiveDatetime,
    PurposeLimitation,
    ScopeErased,
    SubjectErased,
    UnknownRecord,
    UnknownRecordKind,
)
from gdprcrm.model import Record, RecordId, RequestKind, SubjectId, SubjectStatus
from gdprcrm.service import Controller
from gdprcrm.testing import T0, FrozenClock
from gdprcrm.vault import verify_certificate

CUSTOMER = {"email": "lea.martin@example.fr", "name": "Léa Martin"}
PURPOSES = ["customer-relationship", "invoicing"]


def _customer(crm: Controller) -> SubjectId:
    return crm.add_subject(CUSTOMER, "FR", purposes=PURPOSES)


def _stored(crm: Controller, sid: SubjectId) -> list[Record]:
    """A copy of the subject's stored records (what a data-store backup holds)."""
    with crm.storage.unit_of_work(read_only=True) as uow:
        return uow.records.for_subject(sid)


def _open(crm: Controller, record: Record) -> str | bytes:
    return crm.vault.decrypt(
        record.subject_id, f"record.{record.kind}", record.ciphertext, record.id.value
    )


def test_any_number_of_records_per_person_each_with_its_own_values(crm: Controller) -> None:
    sid = _customer(crm)
    first = crm.add_record(sid, "invoice", {"number": "F-1", "amount": "120.00"})
    second = crm.add_record(sid, "invoice", {"number": "F-2", "amount": "80.00"})
    crm.add_record(sid, "order", {"reference": "C-9", "items": "lampe"})
    invoices = crm.records(sid, "invoice")
    assert sorted(r.values["number"] for r in invoices) == ["F-1", "F-2"]  # F-1 is not lost
    assert len(crm.records(sid)) == 3
    crm.update_record(second, {"amount": "85.00"})
    assert crm.record(second).values == {"number": "F-2", "amount": "85.00"}
    assert crm.record(first).values["amount"] == "120.00"
    assert crm.notifications(sid) == []  # business updates are not Art. 16 rectifications


def test_records_never_reach_the_audit_trail_or_a_repr(crm: Controller) -> None:
    sid = _customer(crm)
    rid = crm.add_record(sid, "invoice", {"number": "F-2026-4411", "amount": "120.00"})
    crm.update_record(rid, {"amount": "99.00"})
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = repr(uow.audit.range(0))
        stored = repr(uow.records.get(rid))
    assert "record.added" in trail
    assert "record.updated" in trail
    for secret in ("F-2026-4411", "120.00", "99.00"):
        assert secret not in trail
        assert secret not in stored
        assert secret not in repr(crm.record(rid))


def test_a_record_holds_only_its_kinds_fields_for_its_kinds_purposes(crm: Controller) -> None:
    sid = _customer(crm)
    prospect = crm.add_subject({"email": "p@example.fr"}, "FR", purposes=["prospecting"])
    with pytest.raises(MinimisationError):  # Art. 5(1)(c)
        crm.add_record(sid, "invoice", {"number": "F-1", "iban": "FR76..."})
    with pytest.raises(UnknownRecordKind):
        crm.add_record(sid, "contract", {"number": "1"})
    with pytest.raises(PurposeLimitation):  # Art. 5(1)(b): not collected for invoicing
        crm.add_record(prospect, "invoice", {"number": "F-1"})
    with pytest.raises(InvalidInput):
        crm.add_record(sid, "invoice", {})
    with pytest.raises(InvalidInput):
        crm.add_record(sid, "invoice", {"number": 12})  # type: ignore[dict-item]
    with pytest.raises(NaiveDatetime):
        crm.add_record(sid, "invoice", {"number": "F-1"}, dated=datetime(2025, 1, 1))
    assert crm.records(sid) == []
    assert crm.records(prospect) == []


def test_a_record_already_past_its_retention_is_refused(crm: Controller) -> None:
    sid = _customer(crm)
    old = T0 - relativedelta(years=6)  # an order is kept five years
    with pytest.raises(InvalidInput, match="retention"):
        crm.add_record(sid, "order", {"reference": "C-1"}, dated=old)
    assert crm.records(sid) == []


def test_an_invoice_is_held_from_the_close_of_its_own_financial_year(
    crm: Controller, clock: FrozenClock
) -> None:
    # The reproduction: a customer collected in 2020, an invoice of 2025. Code de
    # commerce L123-22: ten years from the close of the 2025 financial year.
    clock.set(datetime(2020, 6, 1, tzinfo=UTC))
    sid = _customer(crm)
    clock.set(datetime(2025, 3, 10, tzinfo=UTC))
    rid = crm.add_record(sid, "invoice", {"number": "F-1"})
    assert crm.record(rid).due_at == datetime(2036, 1, 1, tzinfo=UTC)
    assert crm.record(rid).held


def test_deleting_a_record_destroys_its_key_in_every_copy(crm: Controller) -> None:
    sid = _customer(crm)
    order = crm.add_record(sid, "order", {"reference": "C-9"})
    invoice = crm.add_record(sid, "invoice", {"number": "F-1"})
    backup = {r.id: r for r in _stored(crm, sid)}
    certificate = crm.delete_record(order)
    public_key = load_pem_public_key(crm.vault.public_key_pem)
    assert isinstance(public_key, Ed25519PublicKey)
    verify_certificate(certificate.to_json(), public_key)
    assert certificate.scopes == (str(order.value),)
    with pytest.raises(ScopeErased):  # yesterday's backup cannot read it any more
        _open(crm, backup[order])
    assert json.loads(_open(crm, backup[invoice])) == {"number": "F-1"}
    with pytest.raises(UnknownRecord):
        crm.record(order)
    with pytest.raises(LegalHold, match="17"):  # held by law: not deleted
        crm.delete_record(invoice)
    assert crm.record(invoice).values == {"number": "F-1"}


def test_an_erasure_keeps_held_invoices_and_destroys_everything_else(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = _customer(crm)
    order = crm.add_record(sid, "order", {"reference": "C-9"})
    invoice = crm.add_record(sid, "invoice", {"number": "F-1"})
    backup = {r.id: r for r in _stored(crm, sid)}
    outcome = crm.erase(sid)
    assert not outcome.completed
    assert [r.record_id for r in outcome.plan.held_records] == [invoice]
    assert [r.record_id for r in outcome.plan.erased_records] == [order]
    with pytest.raises(ScopeErased):
        _open(crm, backup[order])
    assert [r.id for r in crm.records(sid)] == [invoice]  # held for invoicing only
    due = crm.record(invoice).due_at
    clock.set(due - timedelta(seconds=1))
    assert crm.resume_erasures() == [] or crm.subject(sid).status is not SubjectStatus.ERASED
    clock.set(due)
    (done,) = crm.resume_erasures()
    assert done.completed
    assert done.certificate is not None
    assert crm.subject(sid).status is SubjectStatus.ERASED
    with pytest.raises(SubjectErased):
        _open(crm, backup[invoice])


def test_the_sweep_erases_each_record_at_the_end_of_its_own_retention(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = _customer(crm)
    early = crm.add_record(sid, "order", {"reference": "C-1"})
    clock.advance(timedelta(days=400))
    late = crm.add_record(sid, "order", {"reference": "C-2"})
    copy = {r.id: r for r in _stored(crm, sid)}
    clock.set(crm.record(early).due_at)
    result = crm.sweep()
    assert result.records_erased == 1
    assert [r.id for r in crm.records(sid)] == [late]
    with pytest.raises(ScopeErased):
        _open(crm, copy[early])
    assert crm.subject(sid).status is SubjectStatus.ACTIVE


def test_an_open_access_request_defers_the_records_sweep(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = _customer(crm)
    order = crm.add_record(sid, "order", {"reference": "C-1"})
    request = crm.receive_request(sid, RequestKind.ACCESS)
    clock.set(crm.record(order).due_at)
    assert crm.sweep().records_erased == 0
    assert [r.id for r in crm.records(sid)] == [order]  # frozen until answered
    crm.complete_request(request.id, outcome="sent")
    assert crm.sweep().records_erased == 1


def test_access_report_and_export_carry_the_records(crm: Controller) -> None:
    sid = _customer(crm)
    crm.add_record(sid, "order", {"reference": "C-9", "items": "lampe"})
    invoice = crm.add_record(sid, "invoice", {"number": "F-1"})
    report = crm.access_report(sid)
    kinds = {r["kind"]: r for r in report["records"]}
    assert kinds["order"]["values"] == {"items": "lampe", "reference": "C-9"}
    assert kinds["invoice"]["legal_reference"] == "Code de commerce, art. L123-22"
    assert kinds["invoice"]["id"] == str(invoice)
    document = json.loads(crm.export(sid))
    jsonschema.validate(document, portability_schema())
    # Art. 20(1)(a): orders (contract) are portable; invoices (legal obligation) are not.
    assert [r["kind"] for r in document["records"]] == ["order"]
    assert "C-9" in crm.export(sid, "csv")


def test_a_record_of_an_unknown_id_or_erased_subject_is_unknown(crm: Controller) -> None:
    sid = crm.add_subject(CUSTOMER, "FR", purposes=["customer-relationship"])
    crm.add_record(sid, "order", {"reference": "C-1"})
    with pytest.raises(UnknownRecord):
        crm.record(RecordId.new())
    assert crm.erase(sid).completed
    with pytest.raises(UnknownRecord):
        crm.records(sid)
    with pytest.raises(UnknownRecord):
        crm.add_record(sid, "order", {"reference": "C-2"})


def test_an_erased_subjects_records_cost_one_key_and_go_at_their_own_end(
    crm: Controller, clock: FrozenClock
) -> None:
    # Erasure at the cost of one key whatever the number of records: the rows stay,
    # unreadable, and the sweep deletes each at its due date (and its orphaned key).
    sid = crm.add_subject(CUSTOMER, "FR", purposes=["customer-relationship"])
    order = crm.add_record(sid, "order", {"reference": "C-1"})
    (stored,) = _stored(crm, sid)
    outcome = crm.erase(sid)
    assert outcome.completed
    assert outcome.certificate is not None
    assert len(outcome.certificate.destroyed) == 1
    with pytest.raises(SubjectErased):
        _open(crm, stored)
    with pytest.raises(UnknownRecord):
        crm.record(order)
    assert "records" not in crm.access_report(sid) or crm.access_report(sid)["records"] == []
    clock.set(stored.due_at)
    assert crm.sweep().records_erased == 1
    assert _stored(crm, sid) == []

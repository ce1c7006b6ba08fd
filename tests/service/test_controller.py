"""The Controller facade: each operation one unit of work, audited, nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gdprcrm.errors import InvalidInput, UnknownField, UnknownPurpose, UnknownRecord
from gdprcrm.examples import lumiere
from gdprcrm.model import ConsentGiver, DataSource, RequestKind, SubjectId
from gdprcrm.policy import Reason
from gdprcrm.service import BIRTH_DATE_FIELD, Controller, MinimisationError, ProcessingRefused
from gdprcrm.testing import T0, FrozenClock
from gdprcrm.vault import CertificateSigner, InMemoryKekSource

SIGNER = CertificateSigner.generate("atelier-lumiere-dpo")
LEA = {"email": "lea.martin@example.fr", "name": "Léa Martin"}


@pytest.fixture
def sqlite_crm(tmp_path: Path, clock: FrozenClock) -> Iterator[Controller]:
    made = Controller.open(
        tmp_path / "crm.db",
        lumiere.declarations(),
        kek=InMemoryKekSource(),
        signer=SIGNER,
        audit_key=b"controller tests: an audit key of 32+ bytes",
        clock=clock,
    )
    yield made
    made.close()


def _count(crm: Controller) -> tuple[int, int]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return uow.subjects.count(), len(uow.audit.range(0))


def test_collect_and_find_through_the_blind_index(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    assert crm.find_subject(email="  Lea.Martin@EXAMPLE.fr ") == [sid]
    assert crm.find_subject(email="someone@else.fr") == []
    assert crm.values(sid) == LEA
    assert crm.verify_audit().ok


@pytest.mark.parametrize(
    ("values", "purposes", "error"),
    [
        ({"email": "x@y.fr", "invoices": "F-1"}, ["newsletter"], MinimisationError),
        ({"shoe_size": "42"}, ["newsletter"], UnknownField),
        ({"email": "x@y.fr"}, ["telemarketing"], UnknownPurpose),
        ({"email": 42}, ["newsletter"], InvalidInput),
        ({"email": "x@y.fr"}, [], InvalidInput),
    ],
)
def test_bad_collection_is_refused_and_writes_nothing(
    crm: Controller, values: dict[str, object], purposes: list[str], error: type[Exception]
) -> None:
    before = _count(crm)  # the notice's publication only
    with pytest.raises(error):
        crm.add_subject(values, "FR", purposes=purposes)  # type: ignore[arg-type]
    assert _count(crm) == before == (0, 1)


def test_minimisation_names_the_field(crm: Controller) -> None:
    with pytest.raises(MinimisationError, match=r"'invoices'.*5\(1\)\(c\)"):
        crm.add_subject({"email": "x@y.fr", "invoices": "F-1"}, "FR", purposes=["newsletter"])


def test_values_are_ciphertext_at_rest(sqlite_crm: Controller, tmp_path: Path) -> None:
    sid = sqlite_crm.add_subject(LEA, "FR", purposes=["newsletter"], birth_date=date(1990, 6, 1))
    sqlite_crm.storage.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for value in ("lea.martin", "Léa Martin".encode().decode(), "1990-06-01"):
        assert value.encode() not in blob, value
    assert str(sid).encode() in blob  # only the opaque id is in clear


def test_consent_decisions_and_the_processing_guard(crm: Controller, clock: FrozenClock) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"], birth_date=date(1990, 6, 1))
    assert crm.decide(sid, "newsletter").reasons == (Reason.CONSENT_MISSING,)
    with pytest.raises(ProcessingRefused) as refused, crm.processing(sid, "newsletter"):
        pytest.fail("must not run")
    assert refused.value.decision.reasons == (Reason.CONSENT_MISSING,)
    crm.give_consent(sid, "newsletter", channel="web-form", evidence={"form": "signup"})
    with crm.processing(sid, "newsletter") as decision:
        assert decision.allowed
    clock.advance(days=30)
    events = crm.withdraw_consent(sid, "newsletter", channel="unsubscribe-link")
    assert len(events) == 1
    assert not crm.decide(sid, "newsletter").allowed
    assert crm.decide(sid, "newsletter", at=T0 + timedelta(days=1)).allowed  # past: lawful
    assert [type(e).__name__ for e in crm.consent_history(sid)] == [
        "ConsentGiven",
        "ConsentWithdrawn",
    ]
    with crm.storage.unit_of_work(read_only=True) as uow:
        actions = [e.action for e in uow.audit.range(0)]
    assert actions == [
        "notice.published",  # on start: the store learns the declared notice (Art. 13)
        "subject.added",
        "processing.refused",
        "consent.given",
        "processing.allowed",
        "consent.withdrawn",
    ]
    assert crm.verify_audit().ok


def test_a_french_minor_needs_a_parent_too(crm: Controller) -> None:
    teen = crm.add_subject(LEA, "FR", purposes=["newsletter"], birth_date=date(2012, 2, 1))
    crm.give_consent(teen, "newsletter", channel="web-form")
    assert crm.decide(teen, "newsletter").reasons == (Reason.MINOR_WITHOUT_PARENTAL_CONSENT,)
    crm.give_consent(
        teen, "newsletter", channel="paper-form", given_by=ConsentGiver.PARENTAL_RESPONSIBILITY
    )
    assert crm.decide(teen, "newsletter").allowed


def test_requests_get_their_statutory_due_date(crm: Controller, clock: FrozenClock) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"])
    clock.set(datetime(2026, 1, 31, 9, tzinfo=UTC))
    first = crm.receive_request(sid, RequestKind.ACCESS)
    clock.set(datetime(2026, 1, 10, 9, tzinfo=UTC))
    second = crm.receive_request(sid, RequestKind.PORTABILITY)
    assert first.due_at.date() == date(2026, 3, 2)  # 28 Feb is a Saturday
    assert [r.id for r in crm.open_requests()] == [second.id, first.id]
    with pytest.raises(UnknownRecord):
        crm.receive_request(SubjectId.new(), RequestKind.ACCESS)


def test_indirect_collection_records_the_article_14_deadline(crm: Controller) -> None:
    sid = crm.add_subject(
        {"email": "buyer@shop.example", "company": "Shop"},
        "FR",
        purposes=["prospecting"],
        source=DataSource("liste des visiteurs du salon"),
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        (entry,) = [e for e in uow.audit.range(0) if e.action == "subject.added"]
        assert dict(entry.details)["art14_due"] == "2026-02-05"
        assert dict(entry.details)["indirect"] is True
        due = uow.retention.for_subject(sid)
    assert [d.purpose_id for d in due] == ["prospecting"]
    assert due[0].due_at == T0.replace(year=2029)  # 3 years from collection (no contact yet)


def test_the_birth_date_is_an_encrypted_field_not_a_plain_column(crm: Controller) -> None:
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"], birth_date=date(1990, 6, 1))
    assert crm.subject(sid).birth_date is None  # the stored record holds no birth date
    assert crm.state(sid).subject.birth_date == date(1990, 6, 1)
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert [f.name for f in uow.subjects.fields(sid)] == ["email", BIRTH_DATE_FIELD, "name"]


def test_consents_pair_each_consent_with_its_withdrawal(
    crm: Controller, clock: FrozenClock
) -> None:
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    given = crm.give_consent(sid, "newsletter", channel="web-form", evidence={"form": "f-1"})
    clock.advance(days=3)
    (withdrawn,) = crm.withdraw_consent(sid, "newsletter", channel="e-mail")
    (consent,) = crm.consents(sid)
    assert consent.given == given
    assert consent.withdrawal == withdrawn
    assert consent.evidence == {"form": "f-1"}
    assert consent.active_at(given.at)
    assert not consent.active_at(withdrawn.at)
    assert consent.withdrawn_at == withdrawn.at


def test_a_consent_for_a_purpose_on_another_basis_is_refused_and_nothing_written(
    crm: Controller,
) -> None:
    # Art. 6(1)(a), 7: customer-relationship rests on a contract; a consent would be no
    # basis of it, and withdrawing it would change nothing.
    sid = crm.add_subject(LEA, "FR", purposes=["customer-relationship"])
    with crm.storage.unit_of_work(read_only=True) as uow:
        before = len(uow.audit.range(0))
    with pytest.raises(InvalidInput, match=r"6\(1\)\(b\)"):
        crm.give_consent(sid, "customer-relationship", channel="web-form")
    assert crm.consent_history(sid) == []
    with crm.storage.unit_of_work(read_only=True) as uow:
        assert len(uow.audit.range(0)) == before


def test_refused_collection_leaves_no_key_tombstone_or_certificate(crm: Controller) -> None:
    # Validation comes before the subject's key exists (Art. 17: nothing to erase).
    prospect = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["prospecting"])
    crm.object(prospect, direct_marketing=True)
    crm.erase(prospect)
    keys = crm.storage.key_store()
    before = (len(list(keys.tombstones())), sum(len(b) for b in keys.key_batches()))
    with pytest.raises(InvalidInput):
        crm.add_subject({"email": "not an address"}, "FR", purposes=["newsletter"])
    with pytest.raises(InvalidInput):  # Suppressed (Art. 21(3))
        crm.add_subject({"email": "LEA@example.fr"}, "FR", purposes=["prospecting"])
    after = (len(list(keys.tombstones())), sum(len(b) for b in keys.key_batches()))
    assert after == before


def test_open_needs_an_audit_key_or_the_explicit_opt_out(tmp_path: Path) -> None:
    # Art. 5(2): an unkeyed chain can be rewritten by whoever writes the database.
    from gdprcrm.audit import UNKEYED_AUDIT_CHAIN

    for bad in (None, b"short", "a text key of more than thirty-two chars"):
        with pytest.raises(InvalidInput, match="UNKEYED_AUDIT_CHAIN"):
            Controller.open(
                tmp_path / "crm.db",
                lumiere.declarations(),
                kek=InMemoryKekSource(),
                signer=SIGNER,
                audit_key=bad,  # type: ignore[arg-type]
            )
    plain = Controller.open(
        tmp_path / "crm.db",
        lumiere.declarations(),
        kek=InMemoryKekSource(),
        signer=SIGNER,
        audit_key=UNKEYED_AUDIT_CHAIN,
    )
    assert plain.verify_audit().ok
    plain.close()

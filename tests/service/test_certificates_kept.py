"""Every erasure certificate the controller signs is kept (Art. 5(2)): each certificate id
the audit trail names resolves to its signed document, whoever triggered the erasure (a
request, the sweep, a record deleted, a purpose run out), on every adapter; a row altered
in the database is refused, never handed on."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gdprcrm.errors import InterfaceError, InvalidInput, NotFound, SignatureInvalid
from gdprcrm.model import SubjectId
from gdprcrm.service import Controller
from gdprcrm.storage.protocols import Storage
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.vault.certificate import ErasureCertificate
from tests.service.test_sweep_batch import THREE_YEARS_AND_A_DAY


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage | None]:
    if request.param == "memory":
        yield None
        return
    if request.param == "sqlite":
        made: Storage = SQLiteStorage(tmp_path / "crm.db")
    else:
        from gdprcrm.storage.postgres import PostgresStorage
        from tests.conftest import fresh_schema

        made = PostgresStorage(request.getfixturevalue("postgres_dsn"), schema=fresh_schema())
    yield made
    made.close()


def _story(crm: Controller, clock: FrozenClock) -> dict[str, SubjectId]:
    """A prospect the sweep erases, a customer whose newsletter runs out (a partial
    expiry: scopes), a client whose order is deleted, a person erased on request."""
    people = {
        "prospect": crm.add_subject(
            {"email": "p@example.fr", "name": "P"}, "FR", purposes=["newsletter"]
        ),
        "customer": crm.add_subject(
            {"email": "c@example.fr", "name": "C", "invoices": "F-1", "newsletter_clicks": "3"},
            "FR",
            purposes=["newsletter", "invoicing"],
        ),
        "client": crm.add_subject(
            {"email": "r@example.fr", "name": "R"}, "FR", purposes=["customer-relationship"]
        ),
        "asked": crm.add_subject(
            {"email": "a@example.fr", "name": "A"}, "FR", purposes=["newsletter"]
        ),
    }
    order = crm.add_record(people["client"], "order", {"reference": "C-1"})
    crm.delete_record(order)
    crm.erase(people["asked"])
    clock.advance(THREE_YEARS_AND_A_DAY)
    result = crm.sweep()
    assert result.erasures_completed == 1
    assert result.erased >= 2
    clock.advance(timedelta(days=1))
    crm.erasure_certificate(people["prospect"])  # a restatement, kept too
    return people


def test_every_certificate_the_trail_names_is_kept_and_verifies(storage: Storage | None) -> None:
    clock = FrozenClock()
    crm = make_controller(clock=clock, storage=storage)
    people = _story(crm, clock)
    with crm.storage.unit_of_work(read_only=True) as uow:
        named = [
            (e.action, e.subject_id, certificate)
            for e in uow.audit.range()
            for certificate in [dict(e.details).get("certificate")]
            if isinstance(certificate, str)
        ]
        prospect = uow.certificates.for_subject(people["prospect"])
    actions = {action for action, _, _ in named}
    assert {"subject.erased", "retention.erased", "record.deleted", "erasure.certified"} <= actions
    for _, subject_id, certificate_id in named:
        certificate = crm.certificate(uuid.UUID(certificate_id))  # verified with our key
        assert certificate.subject_id == subject_id
    # The sweep's certificate and the restatement, oldest first.
    assert [c.already_shredded for c in prospect] == [False, True]
    assert prospect[0].shredded_at == prospect[1].shredded_at
    # A partial expiry's certificate names the key scopes it destroyed.
    partial = [c for a, s, c in named if a == "retention.erased" and s == people["customer"]]
    assert crm.certificate(uuid.UUID(partial[0])).scopes
    crm.close()


def test_the_certificate_an_erasure_returns_is_the_one_kept() -> None:
    crm = make_controller()
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    outcome = crm.erase(sid)
    assert outcome.certificate is not None
    assert crm.certificate(outcome.certificate.certificate_id) == outcome.certificate
    with pytest.raises(NotFound):
        crm.certificate(uuid.uuid4())
    with pytest.raises(InvalidInput):
        crm.certificate(str(outcome.certificate.certificate_id))  # type: ignore[arg-type]


def erase_two(crm: Controller) -> tuple[ErasureCertificate, ErasureCertificate]:
    """Two prospects collected and erased: their certificates, in order."""
    first, second = (
        crm.add_subject({"email": f"{n}@example.fr"}, "FR", purposes=["newsletter"])
        for n in ("a", "b")
    )
    one, other = (crm.erase(sid).certificate for sid in (first, second))
    assert one is not None
    assert other is not None
    return one, other


def test_a_certificate_altered_or_moved_in_the_database_is_refused(tmp_path: Path) -> None:
    # An attacker with write access to the database: a changed byte fails the
    # signature; another certificate's document under this id is never handed on.
    crm = make_controller(storage=SQLiteStorage(tmp_path / "crm.db"))
    one, other = erase_two(crm)
    db = sqlite3.connect(tmp_path / "crm.db")
    (doc,) = db.execute(
        "SELECT doc FROM gdprcrm_certificates WHERE id = ?", (one.certificate_id.bytes,)
    ).fetchone()
    forged = doc.replace('"already_shredded":false', '"already_shredded":true')
    assert forged != doc
    with db:
        db.execute(
            "UPDATE gdprcrm_certificates SET doc = ? WHERE id = ?",
            (forged, one.certificate_id.bytes),
        )
    with pytest.raises(SignatureInvalid):
        crm.certificate(one.certificate_id)
    with db:
        db.execute(
            "UPDATE gdprcrm_certificates SET doc = ? WHERE id = ?",
            (other.to_json(), one.certificate_id.bytes),
        )
    with pytest.raises(InterfaceError):
        crm.certificate(one.certificate_id)
    db.close()
    crm.close()


def test_a_certificate_of_another_signer_says_which_key_to_check_it_with(tmp_path: Path) -> None:
    # A controller whose signer was replaced (the old one lost) keeps the old
    # certificates: they do not verify with the new key, and the error says whose.
    from gdprcrm.examples import lumiere
    from gdprcrm.signing import CertificateSigner
    from gdprcrm.vault import InMemoryKekSource, verify_certificate

    def opened(signer: CertificateSigner) -> Controller:
        return Controller.open(
            tmp_path / "crm.db",
            lumiere.declarations(),
            kek=InMemoryKekSource(b"k" * 32),
            signer=signer,
            audit_key=b"a fixed audit key for this test, 32+",
        )

    old = CertificateSigner.generate("signer-2025")
    crm = opened(old)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    kept = crm.erase(sid).certificate
    assert kept is not None
    crm.close()
    # The lost signer's checkpoints are moved aside, as the anchor's error says.
    (tmp_path / "crm.db.checkpoints").rename(tmp_path / "old-checkpoints")
    again = opened(CertificateSigner.generate("signer-2026"))
    with pytest.raises(SignatureInvalid, match="signer-2025"):
        again.certificate(kept.certificate_id)
    assert verify_certificate(kept.to_json(), old.public_key) == kept  # the right key
    again.close()

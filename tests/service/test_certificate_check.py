"""verify_certificates (Art. 5(2), 17): every certificate the trail names is kept, about
its entry's subject, and signed; someone who writes the database can delete or replace a
certificate row, never unseen."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from gdprcrm.errors import InvalidInput
from gdprcrm.examples import lumiere
from gdprcrm.service import CertificateCheck, Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage.protocols import Storage
from gdprcrm.testing import FrozenClock, make_controller
from gdprcrm.vault import InMemoryKekSource
from tests.service.test_certificates_kept import (  # noqa: F401 - storage: a fixture
    _story,
    erase_two,
    storage,
)

AUDIT_KEY = b"a fixed audit key for this test, 32+"


def _named(crm: Controller) -> list[uuid.UUID]:
    with crm.storage.unit_of_work(read_only=True) as uow:
        return [
            uuid.UUID(value)
            for entry in uow.audit.range()
            for key, value in entry.details
            if key == "certificate" and isinstance(value, str)
        ]


def test_after_every_kind_of_erasure_every_certificate_checks(
    storage: Storage | None,  # noqa: F811 - the fixture imported above
) -> None:
    clock = FrozenClock()
    crm = make_controller(clock=clock, storage=storage)
    _story(crm, clock)
    named = _named(crm)
    result = crm.verify_certificates()
    assert result == CertificateCheck(checked=len(named))
    assert result.ok
    assert result.checked >= 5  # sweep, partial expiry, record, request, restatement
    crm.close()


def _opened(folder: Path, signer: CertificateSigner) -> Controller:
    return Controller.open(
        folder / "crm.db",
        lumiere.declarations(),
        kek=InMemoryKekSource(b"k" * 32),
        signer=signer,
        audit_key=AUDIT_KEY,
    )


def _erased_twice(tmp_path: Path) -> tuple[Controller, uuid.UUID, uuid.UUID]:
    crm = _opened(tmp_path, CertificateSigner.generate("dpo"))
    one, other = erase_two(crm)
    assert crm.verify_certificates().ok
    return crm, one.certificate_id, other.certificate_id


def test_a_deleted_certificate_row_is_missing(tmp_path: Path) -> None:
    crm, one, _ = _erased_twice(tmp_path)
    with sqlite3.connect(tmp_path / "crm.db") as db:
        db.execute("DELETE FROM gdprcrm_certificates WHERE id = ?", (one.bytes,))
    result = crm.verify_certificates()
    assert not result
    assert result.missing == (one,)
    assert result.invalid == ()
    assert result.unverifiable == ()
    assert crm.verify_audit().ok  # the trail itself is intact: only this check sees it
    crm.close()


@pytest.mark.parametrize("how", ["altered", "another certificate", "garbage"])
def test_a_replaced_or_altered_row_is_invalid(tmp_path: Path, how: str) -> None:
    crm, one, other = _erased_twice(tmp_path)
    with sqlite3.connect(tmp_path / "crm.db") as db:
        ((doc,), (other_doc,)) = (
            db.execute("SELECT doc FROM gdprcrm_certificates WHERE id = ?", (c.bytes,)).fetchone()
            for c in (one, other)
        )
        replaced = {
            "altered": doc.replace('"already_shredded":false', '"already_shredded":true'),
            "another certificate": other_doc,
            "garbage": "{}",
        }[how]
        assert replaced != doc
        db.execute("UPDATE gdprcrm_certificates SET doc = ? WHERE id = ?", (replaced, one.bytes))
    result = crm.verify_certificates()
    assert result.invalid == (one,)
    assert result.missing == ()
    assert not result.ok
    crm.close()


def test_a_former_signers_certificates_verify_with_its_key(tmp_path: Path) -> None:
    old = CertificateSigner.generate("dpo-2025")
    crm = _opened(tmp_path, old)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    kept = crm.erase(sid).certificate
    assert kept is not None
    crm.close()
    (tmp_path / "crm.db.checkpoints").rename(tmp_path / "old-checkpoints")  # its anchor
    again = _opened(tmp_path, CertificateSigner.generate("dpo-2026"))
    result = again.verify_certificates()
    assert result.unverifiable == (kept.certificate_id,)
    assert not result.ok
    assert again.verify_certificates({"dpo-2025": old.public_key}).ok
    # A key given for the wrong signer id does not vouch for anything.
    other = CertificateSigner.generate("dpo-2025").public_key
    assert again.verify_certificates({"dpo-2025": other}).invalid == (kept.certificate_id,)
    with pytest.raises(InvalidInput):
        again.verify_certificates({"dpo-2025": b"not a key"})  # type: ignore[dict-item]
    with pytest.raises(InvalidInput):
        again.verify_certificates(["dpo-2025"])  # type: ignore[arg-type]
    again.close()


def test_a_certificate_of_another_person_in_an_entry_is_invalid() -> None:
    # Defence in depth: the trail entry and the certificate must name the same person,
    # and the same number of destroyed keys.
    from gdprcrm.service.certificate_check import _verdict

    crm = make_controller()
    first, second = (
        crm.add_subject({"email": f"{n}@example.fr"}, "FR", purposes=["newsletter"])
        for n in ("a", "b")
    )
    one = crm.erase(first).certificate
    crm.erase(second)
    assert one is not None
    with crm.storage.unit_of_work(read_only=True) as uow:
        entries = {e.subject_id: e for e in uow.audit.range() if e.action == "subject.erased"}
    keys = {
        "acme-dpo": crm.vault.signer.public_key,
        crm.vault.signer.signer_id: crm.vault.signer.public_key,
    }
    assert _verdict(one, entries[first], keys) == "ok"
    assert _verdict(one, entries[second], keys) == "invalid"
    fewer = one.__class__(
        certificate_id=one.certificate_id,
        subject_id=one.subject_id,
        shredded_at=one.shredded_at,
        issued_at=one.issued_at,
        destroyed=(),
        signer_id=one.signer_id,
        already_shredded=False,
    )
    from gdprcrm.vault.certificate import sign_certificate

    signed = sign_certificate(fewer, crm.vault.signer)
    assert _verdict(signed, entries[first], keys) == "invalid"
    crm.close()

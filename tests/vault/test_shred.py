"""Crypto-shredding: after shred, every ciphertext of that subject is gone, others stay."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.errors import CertificateInvalid, KeyShredded, SubjectErased
from gdprcrm.model import SubjectId
from gdprcrm.signing import seal_signed
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import (
    CertificateSigner,
    ErasureCertificate,
    InMemoryKekSource,
    KeyStore,
    KeyVault,
    SQLiteKeyStore,
    hazmat,
    verify_certificate,
)
from gdprcrm.vault.certificate import sign_certificate
from tests.vault.conftest import SIGNER, memory_vault


@settings(max_examples=30)
@given(
    st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=4), min_size=2, max_size=12),
    st.data(),
)
def test_shredding_some_subjects_erases_exactly_them(
    values: list[list[str]], data: st.DataObject
) -> None:
    # Art. 17: erasure reaches every ciphertext of the subject and nobody else's.
    vault = memory_vault()
    subjects = [SubjectId.new() for _ in values]
    tokens = {
        sid: [(f"f{i}", v, vault.encrypt(sid, f"f{i}", v)) for i, v in enumerate(vals)]
        for sid, vals in zip(subjects, values, strict=True)
    }
    shredded = set(data.draw(st.sets(st.sampled_from(subjects), min_size=1)))
    for sid in shredded:
        vault.shred(sid)
    for sid, items in tokens.items():
        for field, value, token in items:
            if sid in shredded:
                with pytest.raises(SubjectErased):
                    vault.decrypt(sid, field, token)
            else:
                assert vault.decrypt(sid, field, token) == value


def test_shred_reaches_old_key_versions_and_new_writes(vault: KeyVault) -> None:
    sid = SubjectId.new()
    old = vault.encrypt(sid, "email", "v1@example.fr")
    vault.rotate_data_key(sid)
    new = vault.encrypt(sid, "email", "v2@example.fr")
    cert = vault.shred(sid)
    assert [v for v, _ in cert.destroyed] == [1, 2]
    for token in (old, new):
        with pytest.raises(SubjectErased):
            vault.decrypt(sid, "email", token)
    with pytest.raises(SubjectErased):
        vault.encrypt(sid, "email", "again@example.fr")
    with pytest.raises(SubjectErased):
        vault.rotate_data_key(sid)
    assert vault.is_shredded(sid)


def test_shredding_twice_is_harmless_and_says_so(vault: KeyVault, clock: FrozenClock) -> None:
    sid = SubjectId.new()
    vault.encrypt(sid, "email", "x@example.fr")
    first = vault.shred(sid)
    clock.advance(days=3)
    second = vault.shred(sid)
    assert not first.already_shredded
    assert second.already_shredded
    assert second.shredded_at == first.shredded_at
    assert second.destroyed == first.destroyed
    assert second.issued_at > first.issued_at


def test_shredding_a_subject_without_data_blocks_future_keys(vault: KeyVault) -> None:
    sid = SubjectId.new()
    cert = vault.shred(sid)
    assert cert.destroyed == ()
    with pytest.raises(SubjectErased):
        vault.encrypt(sid, "email", "late@example.fr")


def test_a_key_restored_from_an_old_copy_is_refused(store: KeyStore, vault: KeyVault) -> None:
    sid = SubjectId.new()
    token = vault.encrypt(sid, "email", "x@example.fr")
    old_copy = store.latest(sid)
    assert old_copy is not None
    vault.shred(sid)
    with pytest.raises(KeyShredded):
        store.put(old_copy)
    with pytest.raises(SubjectErased):
        vault.decrypt(sid, "email", token)


def test_a_restored_key_store_backup_is_neutralised_by_replaying_tombstones(
    tmp_path: Path,
) -> None:
    kek = InMemoryKekSource()
    path = tmp_path / "keys.db"
    vault = KeyVault(SQLiteKeyStore(path), kek, signer=SIGNER)
    sid, other = SubjectId.new(), SubjectId.new()
    token = vault.encrypt(sid, "email", "gone@example.fr")
    kept = vault.encrypt(other, "email", "kept@example.fr")
    vault._store.close()
    shutil.copy(path, tmp_path / "backup.db")
    vault = KeyVault(SQLiteKeyStore(path), kek, signer=SIGNER)
    vault.shred(sid)
    tombstones = vault.export_tombstones()  # kept apart, e.g. in the data store
    vault._store.close()
    # Disaster: the key store is restored from the backup taken before the shred.
    shutil.copy(tmp_path / "backup.db", path)
    restored = KeyVault(SQLiteKeyStore(path), kek, signer=SIGNER)
    assert restored.decrypt(sid, "email", token) == "gone@example.fr"  # the danger
    assert restored.replay_tombstones(tombstones) == 1
    with pytest.raises(SubjectErased):
        restored.decrypt(sid, "email", token)
    assert restored.decrypt(other, "email", kept) == "kept@example.fr"
    assert restored.replay_tombstones(tombstones) == 0  # idempotent


def test_certificate_verifies_and_names_nothing_personal(vault: KeyVault) -> None:
    sid = SubjectId.new()
    vault.encrypt(sid, "email", "elise.martin@example.fr")
    cert = vault.shred(sid)
    text = cert.to_json()
    parsed = verify_certificate(text, SIGNER.public_key)
    assert parsed == cert
    assert "elise" not in text
    assert "example.fr" not in text
    body = json.loads(text)["certificate"]
    assert body["subject_id"] == str(sid)
    assert body["signer_id"] == "acme-dpo"
    assert body["destroyed_keys"][0]["version"] == 1
    assert len(bytes.fromhex(body["destroyed_keys"][0]["kcv"])) == 8


@settings(max_examples=60)
@given(
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.tuples(st.integers(1, 10**6), st.text("0123456789abcdef", max_size=16))),
    st.text(min_size=1, max_size=20),
    st.booleans(),
    st.lists(st.text(max_size=12), max_size=3),
)
def test_a_signed_certificates_wire_form_is_the_canonical_one(
    at: datetime,
    destroyed: list[tuple[int, str]],
    signer_id: str,
    again: bool,
    scopes: list[str],
) -> None:
    # Art. 5(2): the wire form kept and handed out, made from the bytes signed, is
    # exactly the canonical form any verifier rebuilds (non-ASCII ids included).
    cert = ErasureCertificate(
        certificate_id=uuid.uuid4(),
        subject_id=SubjectId.new(),
        shredded_at=at,
        issued_at=at,
        destroyed=tuple(destroyed),
        signer_id=signer_id,
        already_shredded=again,
        scopes=tuple(scopes),
    )
    signed = sign_certificate(cert, SIGNER)
    text = signed.to_json()
    assert text == seal_signed("certificate", signed.payload(), signed.signature)
    assert verify_certificate(text, SIGNER.public_key) == signed
    assert attrs.evolve(signed).to_json() == text  # a copy rebuilds the same form


def test_certificate_fails_when_any_byte_is_altered() -> None:
    vault = memory_vault()
    sid = SubjectId.new()
    vault.encrypt(sid, "email", "x@example.fr")
    text = vault.shred(sid).to_json().encode()
    for position in range(len(text)):
        altered = bytearray(text)
        altered[position] ^= 0x01
        with pytest.raises(CertificateInvalid):
            verify_certificate(bytes(altered), SIGNER.public_key)


def test_certificate_fails_under_another_key() -> None:
    vault = memory_vault()
    cert = vault.shred(SubjectId.new())
    with pytest.raises(CertificateInvalid):
        cert.verify(CertificateSigner.generate("mallory").public_key)
    with pytest.raises(CertificateInvalid):
        ErasureCertificate.from_json("{}")


def test_certificate_key_check_values_identify_the_destroyed_key(store: KeyStore) -> None:
    # A holder of a key copy can recompute the KCV and match it to the certificate.
    kek = InMemoryKekSource()
    vault = KeyVault(store, kek, signer=SIGNER)
    sid = SubjectId.new()
    vault.encrypt(sid, "email", "x@example.fr")
    wrapped = store.latest(sid)
    assert wrapped is not None
    key = hazmat.unwrap_key(kek.load().key, wrapped.wrapped, sid.bytes, 1, wrapped.kek_id)
    cert = vault.shred(sid)
    assert cert.destroyed == ((1, hazmat.key_check_value(key).hex()),)


def test_signer_keys_round_trip_through_pem() -> None:
    signer = CertificateSigner.generate("dpo")
    again = CertificateSigner.from_pem(signer.private_pem(b"pw"), "dpo", password=b"pw")
    assert again.public_pem() == signer.public_pem()
    assert b"PRIVATE" not in signer.public_pem()

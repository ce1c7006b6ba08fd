"""KEK rotation and data-key rotation keep everything readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdprcrm.errors import DecryptionError, InvalidInput, KeyStoreError
from gdprcrm.model import Lookup, SubjectId
from gdprcrm.vault import (
    InMemoryKekSource,
    KeyFileKekSource,
    KeyStore,
    KeyVault,
    PassphraseKekSource,
)
from tests.vault.conftest import SIGNER


def test_kek_rotation_rewraps_every_key_without_touching_data(store: KeyStore) -> None:
    old, new = InMemoryKekSource(), InMemoryKekSource()
    vault = KeyVault(store, old, signer=SIGNER)
    subjects = [SubjectId.new() for _ in range(25)]
    tokens = {s: vault.encrypt(s, "email", f"{i}@example.fr") for i, s in enumerate(subjects)}
    vault.rotate_data_key(subjects[0])
    tokens2 = vault.encrypt(subjects[0], "email", "v2@example.fr")
    index = vault.blind_index(Lookup.EMAIL, "a@example.fr")
    assert vault.rotate_kek(new, batch_size=7) == 26
    assert {k.kek_id for batch in store.key_batches() for k in batch} == {new.load().id}
    # A vault holding only the new KEK reads everything, and the blind index is unchanged.
    fresh = KeyVault(store, new, signer=SIGNER)
    for i, s in enumerate(subjects):
        assert fresh.decrypt(s, "email", tokens[s]) == f"{i}@example.fr"
    assert fresh.decrypt(subjects[0], "email", tokens2) == "v2@example.fr"
    assert fresh.blind_index(Lookup.EMAIL, "a@example.fr") == index
    # The old KEK alone opens nothing any more.
    with pytest.raises(KeyStoreError):
        KeyVault(store, old, signer=SIGNER)
    assert vault.rotate_kek(new) == 0  # idempotent


def test_data_key_rotation(vault: KeyVault) -> None:
    sid = SubjectId.new()
    v1 = vault.encrypt(sid, "email", "one@example.fr")
    assert vault.key_version_of(v1) == 1
    assert vault.rotate_data_key(sid) == 2
    v2 = vault.encrypt(sid, "email", "two@example.fr")
    assert vault.key_version_of(v2) == 2
    assert vault.decrypt(sid, "email", v1) == "one@example.fr"
    moved = vault.reencrypt(sid, "email", v1)
    assert vault.key_version_of(moved) == 2
    assert vault.decrypt(sid, "email", moved) == "one@example.fr"


def test_data_key_rotation_seen_by_a_second_vault(store: KeyStore) -> None:
    kek = InMemoryKekSource()
    a = KeyVault(store, kek, signer=SIGNER)
    b = KeyVault(store, kek, signer=SIGNER)
    sid = SubjectId.new()
    token = a.encrypt(sid, "email", "x@example.fr")
    assert b.decrypt(sid, "email", token) == "x@example.fr"
    a.rotate_data_key(sid)
    newer = a.encrypt(sid, "email", "y@example.fr")
    assert b.decrypt(sid, "email", newer) == "y@example.fr"  # cold load of version 2


def test_key_file_source(tmp_path: Path) -> None:
    path = tmp_path / "kek.key"
    source = KeyFileKekSource.create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert source.load() == KeyFileKekSource(path).load()
    path.chmod(0o644)
    with pytest.raises(InvalidInput, match="chmod"):
        source.load()
    path.chmod(0o600)
    path.write_bytes(b"too short")
    with pytest.raises(InvalidInput):
        source.load()
    raw = tmp_path / "raw.key"
    raw.write_bytes(bytes(range(32)))
    raw.chmod(0o600)
    assert KeyFileKekSource(raw).load().key == bytes(range(32))
    with pytest.raises(InvalidInput):
        KeyFileKekSource(tmp_path / "missing.key").load()


def test_passphrase_source_is_deterministic_per_salt() -> None:
    salt = PassphraseKekSource.new_salt()
    a = PassphraseKekSource("correct horse battery staple", salt, n=2**10).load()
    b = PassphraseKekSource("correct horse battery staple", salt, n=2**10).load()
    c = PassphraseKekSource(
        "correct horse battery staple", PassphraseKekSource.new_salt(), n=2**10
    ).load()
    assert a == b
    assert a != c
    assert "staple" not in repr(PassphraseKekSource("correct horse battery staple", salt))
    with pytest.raises(InvalidInput):
        PassphraseKekSource("short", salt)


def test_wrong_kek_after_rotation_is_opaque(store: KeyStore) -> None:
    kek = InMemoryKekSource()
    vault = KeyVault(store, kek, signer=SIGNER)
    sid = SubjectId.new()
    token = vault.encrypt(sid, "email", "x@example.fr")
    vault.rotate_kek(InMemoryKekSource())
    vault.evict(sid)
    # This vault still knows both KEKs, so it reads on.
    assert vault.decrypt(sid, "email", token) == "x@example.fr"
    wrapped = store.latest(sid)
    assert wrapped is not None
    from gdprcrm.vault import hazmat

    with pytest.raises(DecryptionError):
        hazmat.unwrap_key(kek.load().key, wrapped.wrapped, sid.bytes, 1, wrapped.kek_id)


def test_a_process_still_holding_the_old_kek_refuses_new_keys(tmp_path: Path) -> None:
    # Two processes share one key store; one rotates the KEK. The other, still holding
    # the old KEK, must not wrap new keys under it: restarted with only the new KEK, those
    # subjects could never be read again.
    from gdprcrm.errors import KeyStoreError
    from gdprcrm.vault import SQLiteKeyStore

    old, new = InMemoryKekSource(), InMemoryKekSource()
    path = tmp_path / "keys.db"
    first = KeyVault(SQLiteKeyStore(path), old, signer=SIGNER)
    second = KeyVault(SQLiteKeyStore(path), old, signer=SIGNER)
    known = SubjectId.new()
    envelope = second.encrypt(known, "email", "lea@example.fr")
    first.rotate_kek(new)
    with pytest.raises(KeyStoreError, match="rotated"):
        second.encrypt(SubjectId.new(), "email", "late@example.fr")
    with pytest.raises(KeyStoreError, match="rotated"):
        second.rotate_data_key(known)
    restarted = KeyVault(SQLiteKeyStore(path), new, signer=SIGNER)
    assert restarted.decrypt(known, "email", envelope) == "lea@example.fr"
    fresh = SubjectId.new()
    assert restarted.decrypt(fresh, "x", restarted.encrypt(fresh, "x", "y")) == "y"

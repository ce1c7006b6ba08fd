"""Key scopes: a scope's shred erases exactly its values, in every copy (Art. 17, 5(1)(e)).

A scope (a record, a group of values sharing one fate) has its own random key; its
values are encrypted under a key derived from it *and* the subject's key. Destroying the
scope's key erases the scope; destroying the subject's key erases every scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.errors import DecryptionError, InvalidInput, ScopeErased, SubjectErased
from gdprcrm.model import SubjectId
from gdprcrm.vault import (
    InMemoryKekSource,
    KeyStore,
    KeyVault,
    MemoryKeyStore,
    WrappedKey,
    hazmat,
    verify_certificate,
)
from tests.vault.conftest import SIGNER, memory_vault


def test_scoped_values_round_trip_and_name_their_scope(vault: KeyVault) -> None:
    sid, scope = SubjectId.new(), uuid.uuid4()
    text = vault.encrypt_scoped(sid, scope, "amount", "120.00 EUR", scope)
    raw = vault.encrypt_scoped(sid, scope, "scan", b"\x00\x01", scope)
    assert vault.decrypt(sid, "amount", text, scope) == "120.00 EUR"
    assert vault.decrypt(sid, "scan", raw, scope) == b"\x00\x01"
    assert vault.scope_of(text) == scope
    assert vault.scope_of(vault.encrypt(sid, "amount", "x")) is None
    assert text[0] == hazmat.FORMAT_V2
    assert text[7:23] == scope.bytes


def test_a_scoped_envelope_is_bound_to_subject_field_context_and_header(
    vault: KeyVault,
) -> None:
    sid, scope = SubjectId.new(), uuid.uuid4()
    envelope = vault.encrypt_scoped(sid, scope, "amount", "120", "r1")
    other = SubjectId.new()
    vault.encrypt_scoped(other, uuid.uuid4(), "amount", "1")
    for args in ((other, "amount", "r1"), (sid, "total", "r1"), (sid, "amount", "r2")):
        with pytest.raises(DecryptionError):
            vault.decrypt(args[0], args[1], envelope, args[2])
    for offset in range(hazmat.SCOPED_HEADER_SIZE):
        altered = bytearray(envelope)
        altered[offset] ^= 1
        with pytest.raises((DecryptionError, SubjectErased)):
            vault.decrypt(sid, "amount", bytes(altered), "r1")


@settings(max_examples=25)
@given(st.lists(st.text(max_size=20), min_size=2, max_size=8), st.data())
def test_shredding_scopes_erases_exactly_their_values(
    values: list[str], data: st.DataObject
) -> None:
    # Art. 17 / 5(1)(e): a copy of the data store taken before a scope's shred cannot
    # decrypt its values afterwards; every other scope and the subject's own values stay.
    vault = memory_vault()
    sid = SubjectId.new()
    scopes = [uuid.uuid4() for _ in values]
    copies = [vault.encrypt_scoped(sid, s, "note", v) for s, v in zip(scopes, values, strict=True)]
    own = vault.encrypt(sid, "note", "own")
    gone = data.draw(st.sets(st.sampled_from(range(len(values))), min_size=1))
    cert, stones = vault.shred_scopes(sid, [scopes[i] for i in gone])
    assert set(cert.scopes) == {str(scopes[i]) for i in gone}
    assert len(stones) == len(gone)
    for i, envelope in enumerate(copies):
        if i in gone:
            with pytest.raises(ScopeErased):
                vault.decrypt(sid, "note", envelope)
        else:
            assert vault.decrypt(sid, "note", envelope) == values[i]
    assert vault.decrypt(sid, "note", own) == "own"


def test_a_new_vault_over_the_same_store_cannot_decrypt_a_shredded_scope(
    store: KeyStore, kek: InMemoryKekSource
) -> None:
    first = KeyVault(store, kek, signer=SIGNER)
    sid, gone, kept = SubjectId.new(), uuid.uuid4(), uuid.uuid4()
    erased = first.encrypt_scoped(sid, gone, "f", "erased value")
    held = first.encrypt_scoped(sid, kept, "f", "held value")
    first.shred_scopes(sid, [gone])
    later = KeyVault(store, kek, signer=SIGNER)
    with pytest.raises(ScopeErased):
        later.decrypt(sid, "f", erased)
    assert later.decrypt(sid, "f", held) == "held value"
    with pytest.raises(ScopeErased):  # no new writes in a shredded scope
        later.encrypt_scoped(sid, gone, "f", "again")


def test_the_subjects_shred_erases_every_scope(store: KeyStore, kek: InMemoryKekSource) -> None:
    vault = KeyVault(store, kek, signer=SIGNER)
    sid = SubjectId.new()
    envelopes = [vault.encrypt_scoped(sid, uuid.uuid4(), "f", str(i)) for i in range(5)]
    vault.shred(sid)
    for v in (vault, KeyVault(store, kek, signer=SIGNER)):
        for envelope in envelopes:
            with pytest.raises(SubjectErased):
                v.decrypt(sid, "f", envelope)
        with pytest.raises(SubjectErased):
            v.encrypt_scoped(sid, uuid.uuid4(), "f", "new")


def test_a_restored_key_store_is_neutralised_by_the_scope_tombstones() -> None:
    # An operator restores last night's key store: the scope's key is back until the
    # tombstones kept in the data store are replayed.
    kek = InMemoryKekSource()
    live = MemoryKeyStore()
    vault = KeyVault(live, kek, signer=SIGNER)
    sid, scope = SubjectId.new(), uuid.uuid4()
    envelope = vault.encrypt_scoped(sid, scope, "f", "value")
    backup = MemoryKeyStore()
    for batch in live.key_batches():
        for key in batch:
            backup.put(key)
    for name in ("blind-index-key",):
        secret = live.get_secret(name)
        assert secret is not None
        backup.put_secret(secret)
    _, stones = vault.shred_scopes(sid, [scope])
    restored = KeyVault(backup, kek, signer=SIGNER)
    assert restored.decrypt(sid, "f", envelope) == "value"  # the backup's danger
    restored.replay_tombstones(stones)
    with pytest.raises(ScopeErased):
        restored.decrypt(sid, "f", envelope)


def test_scope_certificates_verify_and_name_only_opaque_ids(vault: KeyVault) -> None:
    sid, scope = SubjectId.new(), uuid.uuid4()
    vault.encrypt_scoped(sid, scope, "f", "Jeanne Dupont")
    cert, _ = vault.shred_scopes(sid, [scope])
    wire = cert.to_json()
    assert "Jeanne" not in wire
    checked = verify_certificate(wire, SIGNER.public_key)
    assert checked.scopes == (str(scope),)
    assert not checked.already_shredded
    again, _ = vault.shred_scopes(sid, [scope])
    assert again.already_shredded


def test_bad_scope_input_is_refused(vault: KeyVault) -> None:
    sid = SubjectId.new()
    with pytest.raises(InvalidInput):
        vault.encrypt_scoped(sid, "not-a-uuid", "f", "v")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        vault.shred_scopes(sid, [])
    with pytest.raises(InvalidInput):
        vault.encrypt_scoped("x", uuid.uuid4(), "f", "v")  # type: ignore[arg-type]


def test_a_new_subjects_keys_are_created_in_one_batch() -> None:
    # One durable commit for the subject's key and its scopes' keys (P16), not one each.
    class Counting(MemoryKeyStore):
        batches: list[int]

        def _put_many(self, keys: Sequence[WrappedKey]) -> None:
            self.batches.append(len(keys))
            super()._put_many(keys)

    store = Counting()
    store.batches = []
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid, scopes = SubjectId.new(), [uuid.uuid4() for _ in range(3)]
    assert vault.prepare_scopes(sid, scopes) == 4
    assert store.batches == [4]
    for scope in scopes:
        vault.encrypt_scoped(sid, scope, "f", "v")
    assert store.batches == [4]  # nothing created one by one afterwards
    assert vault.prepare_scopes(sid, scopes) == 0
    vault.shred_scopes(sid, scopes[:1])
    assert vault.prepare_scopes(sid, scopes) == 0  # a destroyed scope is never recreated
    vault.shred(sid)
    with pytest.raises(SubjectErased):
        vault.prepare_scopes(SubjectId(sid.value), [uuid.uuid4()])


def test_a_new_persons_scope_that_exists_after_all_is_sorted_out_key_by_key(
    vault: KeyVault,
) -> None:
    # prepare_scopes does not read each scope of a new person (their ids are drawn for
    # them); a scope that exists anyway, or was shredded, makes the batch fail, and the
    # values then find their keys one by one: nothing is written twice, nothing erased
    # comes back.
    owner, newcomer, late = SubjectId.new(), SubjectId.new(), SubjectId.new()
    existing, erased, fresh = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    vault.prepare_scopes(owner, [existing, erased])
    kept = vault.encrypt_scoped(owner, existing, "email", "a@example.fr")
    vault.shred_scopes(owner, [erased])
    assert vault.prepare_scopes(newcomer, [existing, fresh]) == 0
    token = vault.encrypt_scoped(newcomer, fresh, "email", "b@example.fr")
    assert vault.decrypt(newcomer, "email", token) == "b@example.fr"
    assert vault.decrypt(owner, "email", kept) == "a@example.fr"
    assert vault.prepare_scopes(late, [erased]) == 0
    with pytest.raises(ScopeErased):
        vault.encrypt_scoped(late, erased, "email", "c@example.fr")

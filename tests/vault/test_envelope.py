"""Encryption round-trips; any change, move or truncation of a ciphertext is rejected."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import DecryptionError, InvalidInput
from gdprcrm.model import SubjectId
from gdprcrm.testing import strategies as gst
from gdprcrm.vault import KeyStore, KeyVault, hazmat
from gdprcrm.vault import vault as vault_module
from tests.vault.conftest import SIGNER, memory_vault

VAULT = memory_vault()
values = st.text() | st.binary()
fields = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
contexts = st.none() | st.binary(max_size=40) | st.uuids() | st.text(max_size=20)


def _data_key(store: KeyStore, vault: KeyVault, sid: SubjectId) -> bytes:
    """The subject's current data key, unwrapped by hand (to check the vault's bytes)."""
    wrapped = store.latest(sid)
    assert wrapped is not None
    return hazmat.unwrap_key(
        vault._kek.aead, wrapped.wrapped, sid.bytes, wrapped.version, wrapped.kek_id
    )


@given(gst.subject_ids(), fields, values, contexts)
def test_round_trip_for_arbitrary_values(
    sid: SubjectId, field: str, value: str | bytes, context: bytes | str | uuid.UUID | None
) -> None:
    envelope = VAULT.encrypt(sid, field, value, context)
    assert len(envelope) == hazmat.OVERHEAD + len(
        value.encode() if isinstance(value, str) else value
    )
    back = VAULT.decrypt(sid, field, envelope, context)
    assert back == value
    assert type(back) is type(value)


def test_round_trip_on_every_store(vault: KeyVault) -> None:
    sid = SubjectId.new()
    for value in ("", "élise@example.fr", b"", b"\x00" * 1000, "🙂" * 300):
        assert vault.decrypt(sid, "f", vault.encrypt(sid, "f", value)) == value


def test_fresh_nonce_per_call() -> None:
    sid = SubjectId.new()
    a, b = VAULT.encrypt(sid, "email", "same"), VAULT.encrypt(sid, "email", "same")
    assert a != b
    assert a[7:19] != b[7:19]


def test_every_single_byte_change_is_rejected() -> None:
    sid = SubjectId.new()
    envelope = VAULT.encrypt(sid, "email", "elise@example.fr", context="record-7")
    for position in range(len(envelope)):
        for flip in (0x01, 0x80, 0xFF):
            altered = bytearray(envelope)
            altered[position] ^= flip
            with pytest.raises(DecryptionError):
                VAULT.decrypt(sid, "email", bytes(altered), context="record-7")


@given(st.binary(min_size=0, max_size=300), st.data())
def test_random_alterations_are_rejected(value: bytes, data: st.DataObject) -> None:
    sid = SubjectId.new()
    envelope = VAULT.encrypt(sid, "notes", value)
    position = data.draw(st.integers(0, len(envelope) - 1))
    flip = data.draw(st.integers(1, 255))
    altered = bytearray(envelope)
    altered[position] ^= flip
    with pytest.raises(DecryptionError):
        VAULT.decrypt(sid, "notes", bytes(altered))


def test_truncated_or_extended_envelopes_are_rejected() -> None:
    sid = SubjectId.new()
    envelope = VAULT.encrypt(sid, "email", "elise@example.fr")
    for cut in range(len(envelope)):
        with pytest.raises(DecryptionError):
            VAULT.decrypt(sid, "email", envelope[:cut])
    with pytest.raises(DecryptionError):
        VAULT.decrypt(sid, "email", envelope + b"\x00")
    with pytest.raises(DecryptionError):
        VAULT.decrypt(sid, "email", "not bytes")  # type: ignore[arg-type]


def test_moving_a_ciphertext_to_another_subject_field_or_record_fails() -> None:
    alice, bob = SubjectId.new(), SubjectId.new()
    VAULT.encrypt(bob, "email", "warm-up: bob has a key")
    envelope = VAULT.encrypt(alice, "email", "alice@example.fr", context=b"rec-1")
    assert VAULT.decrypt(alice, "email", envelope, context=b"rec-1") == "alice@example.fr"
    for subject, field, context in [
        (bob, "email", b"rec-1"),
        (alice, "phone", b"rec-1"),
        (alice, "email", b"rec-2"),
        (alice, "email", None),
        (alice, "emai", b"lrec-1"),  # length prefixes keep field/context boundaries apart
    ]:
        with pytest.raises(DecryptionError):
            VAULT.decrypt(subject, field, envelope, context=context)


def test_unknown_format_version_or_algorithm_is_rejected() -> None:
    sid = SubjectId.new()
    envelope = bytearray(VAULT.encrypt(sid, "email", "x"))
    for offset, value in [(0, 0x02), (1, 0x02), (2, 0x07), (3, 0x7F)]:
        altered = bytearray(envelope)
        altered[offset] = value
        with pytest.raises(DecryptionError):
            VAULT.decrypt(sid, "email", bytes(altered))


def test_wrong_kek_gives_the_same_opaque_error(store: KeyStore) -> None:
    from gdprcrm.vault import InMemoryKekSource, KeyVault, MemoryKeyStore

    sid = SubjectId.new()
    right = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    envelope = right.encrypt(sid, "email", "secret@example.fr")
    wrapped = store.latest(sid)
    assert wrapped is not None
    # A vault with another KEK that finds this subject's wrapped key in its store.
    other_store = MemoryKeyStore()
    other = KeyVault(other_store, InMemoryKekSource(), signer=SIGNER)
    other_store.put(wrapped)
    with pytest.raises(DecryptionError) as info:
        other.decrypt(sid, "email", envelope)
    assert str(info.value) == "cannot decrypt"
    # The same wrapped key under a forged KEK id that the vault does know: still opaque.
    import attrs

    forged = attrs.evolve(wrapped, kek_id=other._kek.id)
    forged_store = MemoryKeyStore()
    forged_vault = KeyVault(forged_store, other._kek, signer=SIGNER)
    forged_store.put(forged)
    with pytest.raises(DecryptionError):
        forged_vault.decrypt(sid, "email", envelope)


def test_opening_a_store_with_an_unknown_kek_says_so(store: KeyStore) -> None:
    from gdprcrm.errors import KeyStoreError
    from gdprcrm.vault import InMemoryKekSource, KeyVault

    KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    with pytest.raises(KeyStoreError, match="not given"):
        KeyVault(store, InMemoryKekSource(), signer=SIGNER)


def test_bad_values_fields_and_contexts_are_refused() -> None:
    sid = SubjectId.new()
    with pytest.raises(InvalidInput):
        VAULT.encrypt(sid, "email", 42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        VAULT.encrypt(sid, "", "x")
    with pytest.raises(InvalidInput):
        VAULT.encrypt(sid, "email", "x", context=3.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        VAULT.encrypt(sid, "email", "x", context=b"x" * 300)


def test_no_key_material_in_reprs_or_errors(vault: KeyVault) -> None:
    from gdprcrm.vault import InMemoryKekSource, Kek

    kek = Kek.generate()
    for text in (repr(kek), repr(InMemoryKekSource(kek)), repr(vault), repr(SIGNER)):
        assert kek.key.hex() not in text
        assert "key=" not in text.replace("kek=", "")
    sid = SubjectId.new()
    envelope = vault.encrypt(sid, "email", "elise@example.fr")
    with pytest.raises(DecryptionError) as info:
        vault.decrypt(sid, "phone", envelope)
    assert "elise" not in str(info.value)
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(kek)


def test_hazmat_header_layout() -> None:
    head = hazmat.header(hazmat.TYPE_TEXT, 3)
    assert head == bytes([1, 1, 1, 0, 0, 0, 3])
    assert hazmat.parse_header(head + bytes(28)) == (hazmat.TYPE_TEXT, 3)
    with pytest.raises(InvalidInput):
        hazmat.header(hazmat.TYPE_TEXT, 0)


def test_the_vault_writes_exactly_the_documented_envelope() -> None:
    # The vault builds envelopes through hazmat.seal_envelope: with the nonce fixed, its
    # bytes are header || nonce || AES-GCM(plaintext, AAD = header || subject || field
    # || context), each part as hazmat's docstring draws it.
    from unittest import mock

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from gdprcrm.vault import InMemoryKekSource, MemoryKeyStore

    store = MemoryKeyStore()
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    nonce = bytes(range(12))
    with mock.patch.object(vault_module, "_urandom", return_value=nonce):
        envelope = vault.encrypt(sid, "email", "lea@example.fr", context="order-1")
    key = _data_key(store, vault, sid)
    head = hazmat.header(hazmat.TYPE_TEXT, 1)
    aad = hazmat.associated_data(head, sid.bytes, b"email", b"order-1")
    expected = head + nonce + AESGCM(key).encrypt(nonce, b"lea@example.fr", aad)
    assert envelope == expected
    assert envelope[:7] == bytes([0x01, 0x01, 0x01, 0, 0, 0, 1])
    assert hazmat.open_envelope(AESGCM(key), envelope, aad[7:]) == b"lea@example.fr"


@given(
    st.binary(max_size=5000) | st.text(max_size=300),
    st.sampled_from(["email", "name", "invoice"]),
    st.none() | st.sampled_from(["order-1", "F-2026-001"]),
    st.integers(0, 10_000),
)
def test_the_vault_opens_exactly_what_hazmat_opens(
    value: str | bytes, field: str, context: str | None, flip_at: int
) -> None:
    # KeyVault.decrypt inlines hazmat.open_envelope on its hot path: both must accept the
    # same envelopes and refuse the same altered ones.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from gdprcrm.vault import InMemoryKekSource, MemoryKeyStore

    store = MemoryKeyStore()
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    envelope = vault.encrypt(sid, field, value, context=context)
    aead = AESGCM(_data_key(store, vault, sid))
    head = envelope[: hazmat.HEADER_SIZE]
    tail = hazmat.associated_data(
        head, sid.bytes, field.encode(), b"" if context is None else context.encode()
    )[hazmat.HEADER_SIZE :]
    raw = value.encode() if isinstance(value, str) else value
    assert hazmat.open_envelope(aead, envelope, tail) == raw
    assert vault.decrypt(sid, field, envelope, context=context) == value
    altered = bytearray(envelope)
    altered[flip_at % len(altered)] ^= 0x01
    with pytest.raises(DecryptionError):
        hazmat.open_envelope(aead, bytes(altered), tail)
    with pytest.raises(DecryptionError):
        vault.decrypt(sid, field, bytes(altered), context=context)


@given(
    st.binary(max_size=9000) | st.text(max_size=300),
    st.sampled_from(["email", "name", "invoice"]),
    st.none() | st.sampled_from(["order-1", "F-2026-001"]),
)
def test_every_way_of_sealing_builds_the_same_envelope(
    value: str | bytes, field: str, context: str | None
) -> None:
    # encrypt() inlines the sealing and keeps each field's associated data ready;
    # encrypt_buffer() writes into the buffer it returns. With one nonce all of them,
    # first call (caches empty) and second (caches full), must give
    # hazmat.seal_envelope's bytes (values over 64 KiB: the test below).
    from unittest import mock

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from gdprcrm.vault import InMemoryKekSource, MemoryKeyStore

    store = MemoryKeyStore()
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    nonce = bytes(range(12))
    with mock.patch.object(vault_module, "_urandom", return_value=nonce):
        first = vault.encrypt(sid, field, value, context=context)
        second = vault.encrypt(sid, field, value, context=context)
        buffered = vault.encrypt_buffer(sid, field, value, context=context)
    aead = AESGCM(_data_key(store, vault, sid))
    value_type = hazmat.TYPE_TEXT if isinstance(value, str) else hazmat.TYPE_BYTES
    head = hazmat.header(value_type, 1)
    tail = hazmat.associated_data(
        head, sid.bytes, field.encode(), b"" if context is None else context.encode()
    )[hazmat.HEADER_SIZE :]
    raw = value.encode() if isinstance(value, str) else value
    expected = hazmat.seal_envelope(aead, head, raw, tail, nonce=nonce)
    assert first == second == expected
    assert type(first) is bytes
    assert type(buffered) is bytearray
    assert buffered == expected
    for form in (bytes(buffered), buffered, memoryview(buffered)):
        assert vault.decrypt(sid, field, form, context=context) == value


@pytest.mark.parametrize("size", [65536, 65537, 300_000, (8 << 20) + 1])
def test_large_values_are_sealed_as_hazmat_seals_them(size: int) -> None:
    # Over 64 KiB a value is sealed in place (the scratch buffer; over 8 MiB a fresh
    # one): the bytes must be seal_envelope's.
    from unittest import mock

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from gdprcrm.vault import InMemoryKekSource, MemoryKeyStore

    store = MemoryKeyStore()
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    value = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    nonce = bytes(range(12))
    with mock.patch.object(vault_module, "_urandom", return_value=nonce):
        envelope = vault.encrypt(sid, "scan", value)
        buffered = vault.encrypt_buffer(sid, "scan", value)
    aead = AESGCM(_data_key(store, vault, sid))
    head = hazmat.header(hazmat.TYPE_BYTES, 1)
    tail = hazmat.associated_data(head, sid.bytes, b"scan", b"")[hazmat.HEADER_SIZE :]
    expected = hazmat.seal_envelope(aead, head, value, tail, nonce=nonce)
    assert envelope == buffered == expected
    assert type(envelope) is bytes
    assert vault.decrypt(sid, "scan", envelope) == value


def test_decrypt_refuses_what_is_not_one_run_of_bytes() -> None:
    sid = SubjectId.new()
    envelope = VAULT.encrypt(sid, "email", b"x" * 64)
    VAULT.decrypt(sid, "email", envelope)  # the subject's opener is cached
    for bad in ("text", None, 42, memoryview(envelope + envelope)[::2], envelope[:20]):
        with pytest.raises(DecryptionError):
            VAULT.decrypt(sid, "email", bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        VAULT.decrypt(sid, ["email"], envelope)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        VAULT.encrypt(sid, ["email"], b"x")  # type: ignore[arg-type]


def test_large_values_encrypted_from_many_threads_all_open() -> None:
    # Values over 64 KiB are sealed in a per-thread scratch buffer: threads must never
    # see each other's bytes, and a value larger than the scratch's cap still works.
    import threading

    sid = SubjectId.new()
    sizes = [5000, 70_000, 1 << 20, 3 << 20, (8 << 20) + 1]
    results: dict[tuple[int, int], bytes] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for size in sizes:
                value = bytes([worker]) * size
                results[(worker, size)] = VAULT.encrypt(sid, "scan", value)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for (worker, size), envelope in results.items():
        assert VAULT.decrypt(sid, "scan", envelope) == bytes([worker]) * size


def test_a_rotation_never_pairs_one_versions_header_with_anothers_key() -> None:
    from gdprcrm.vault import InMemoryKekSource, MemoryKeyStore

    vault = KeyVault(MemoryKeyStore(), InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    before = vault.encrypt(sid, "email", "a@example.fr")
    vault.rotate_data_key(sid)
    after = vault.encrypt(sid, "email", "a@example.fr")
    assert vault.key_version_of(before) == 1
    assert vault.key_version_of(after) == 2
    for envelope in (before, after, before, after):  # slow path, then the cached one
        assert vault.decrypt(sid, "email", envelope) == "a@example.fr"


def test_encrypt_and_encrypt_buffer_take_and_refuse_the_same_values() -> None:
    class Text(str):
        pass

    sid = SubjectId.new()
    for seal in (VAULT.encrypt, VAULT.encrypt_buffer):
        for bad in (Text("x"), 42, None, bytearray(b"x")):
            with pytest.raises(InvalidInput):
                seal(sid, "email", bad)  # type: ignore[arg-type]
        assert VAULT.decrypt(sid, "email", seal(sid, "email", "x")) == "x"

"""A key store that fails: the vault surfaces typed errors, never a RecursionError."""

from __future__ import annotations

import pytest

from gdprcrm.errors import DuplicateKey, GdprCrmError, KeyStoreError
from gdprcrm.model import SubjectId
from gdprcrm.vault import InMemoryKekSource, KeyVault, MemoryKeyStore, WrappedKey
from tests.vault.conftest import SIGNER


class AlwaysDuplicate(MemoryKeyStore):
    """Says every new key exists, yet never returns one (a broken store)."""

    def _put(self, key: WrappedKey) -> None:
        if key.subject_id.bytes != bytes(16):
            raise DuplicateKey("exists")
        super()._put(key)


class Failing(MemoryKeyStore):
    def _put(self, key: WrappedKey) -> None:
        raise KeyStoreError("disk full")


class RacedOnce(MemoryKeyStore):
    """Another process writes the key just before us: our put finds a duplicate."""

    def _put(self, key: WrappedKey) -> None:
        if self._latest(key.subject_id) is None and not getattr(self, "raced", False):
            self.raced = True
            super()._put(key)  # theirs
            raise DuplicateKey("exists")
        super()._put(key)


def test_a_store_that_keeps_answering_duplicate_gives_a_typed_error() -> None:
    vault = KeyVault(AlwaysDuplicate(), InMemoryKekSource(), signer=SIGNER)
    with pytest.raises(KeyStoreError) as caught:
        vault.encrypt(SubjectId.new(), "email", "x")
    assert not isinstance(caught.value, RecursionError)


def test_a_failing_store_surfaces_its_typed_error() -> None:
    vault = KeyVault(Failing(), InMemoryKekSource(), signer=SIGNER)
    with pytest.raises(KeyStoreError, match="disk full"):
        vault.encrypt(SubjectId.new(), "email", "x")


def test_a_lost_race_is_retried_once_and_uses_the_winners_key() -> None:
    store = RacedOnce()
    vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
    sid = SubjectId.new()
    envelope = vault.encrypt(sid, "email", "x")
    assert vault.decrypt(sid, "email", envelope) == "x"
    assert [k.version for batch in store.key_batches() for k in batch] == [1]


def test_every_failure_is_a_library_error() -> None:
    for store in (AlwaysDuplicate(), Failing()):
        vault = KeyVault(store, InMemoryKekSource(), signer=SIGNER)
        with pytest.raises(GdprCrmError):
            vault.encrypt(SubjectId.new(), "email", "x")


def test_a_vault_refuses_anything_but_a_subject_id() -> None:
    import uuid

    from gdprcrm.errors import InvalidInput

    vault = KeyVault(MemoryKeyStore(), InMemoryKekSource(), signer=SIGNER)
    for bad in (uuid.uuid4(), str(SubjectId.new()), None):
        with pytest.raises(InvalidInput):
            vault.encrypt(bad, "email", "x")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            vault.decrypt(bad, "email", b"\x01" * 40)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            vault.shred(bad)  # type: ignore[arg-type]
    assert list(vault.export_tombstones()) == []

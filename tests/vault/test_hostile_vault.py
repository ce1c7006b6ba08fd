"""Hostile input to the vault, which host applications call directly: every public
``KeyVault`` method, given junk for any argument, either works or raises an error of
gdprcrm's one hierarchy (never a bare TypeError or AttributeError), and an error
changes no key and no tombstone."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprcrm.errors import GdprCrmError
from gdprcrm.model import SubjectId
from gdprcrm.vault import KeyStore, KeyVault
from tests.service.test_hostile_input import JUNK, ON_A_SHARED_FIXTURE
from tests.vault.conftest import memory_vault

SKIPPED = {"close"}
METHODS = sorted(
    name
    for name, member in inspect.getmembers(KeyVault, inspect.isfunction)
    if not name.startswith("_") and name not in SKIPPED
)


def _state(store: KeyStore) -> tuple[object, ...]:
    keys = tuple(
        sorted((k.subject_id.bytes, k.version, k.wrapped) for b in store.key_batches() for k in b)
    )
    stones = tuple(sorted((t.subject_id.bytes, t.destroyed) for t in store.tombstones()))
    return keys, stones


@pytest.fixture(scope="module")
def seeded() -> tuple[KeyVault, SubjectId, bytes]:
    vault = memory_vault()
    sid = SubjectId.new()
    token = vault.encrypt(sid, "email", "lea@example.fr")
    vault.shred(SubjectId.new())  # a tombstone to keep
    return vault, sid, token


@pytest.mark.parametrize("name", METHODS)
@settings(ON_A_SHARED_FIXTURE, max_examples=60)
@given(data=st.data())
def test_junk_raises_only_our_errors_and_changes_nothing(
    seeded: tuple[KeyVault, SubjectId, bytes], name: str, data: st.DataObject
) -> None:
    vault, sid, token = seeded
    parameters = [p for p in inspect.signature(getattr(KeyVault, name)).parameters if p != "self"]
    arguments: dict[str, Any] = {
        p: data.draw(JUNK | st.sampled_from([sid, token, "email"]), label=p) for p in parameters
    }
    store = vault._store
    before = _state(store)
    try:
        getattr(vault, name)(**arguments)
    except GdprCrmError:
        assert _state(store) == before, f"{name} failed but changed the key store"
        return
    if name.startswith(("shred", "rotate", "prepare", "encrypt", "replay", "reencrypt")):
        return  # a call that worked may change keys; the next example starts from there
    assert _state(store) == before


def test_there_are_methods_to_attack() -> None:
    assert {"encrypt", "decrypt", "shred_many", "shred_scopes_many", "rotate_kek"} <= set(METHODS)

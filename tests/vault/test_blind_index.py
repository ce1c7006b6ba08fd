"""Blind indexes: equal lookups after normalisation, nothing learnable without the key."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.errors import InvalidInput
from gdprcrm.model import Lookup, SubjectId
from gdprcrm.vault import BlindIndex, KeyStore, KeyVault, normalise_email, normalise_phone
from tests.vault.conftest import SIGNER

INDEX = BlindIndex(bytes(range(32)))


@pytest.mark.parametrize(
    "variant",
    [
        "elise@example.fr",
        " Elise@Example.FR ",
        "ELISE@EXAMPLE.FR\t",
        "\uff45\uff4c\uff49\uff53\uff45@example.fr",
    ],  # full-width, NFKC folds it,
)
def test_email_variants_share_one_index(variant: str) -> None:
    assert INDEX.digest(Lookup.EMAIL, variant) == INDEX.digest(Lookup.EMAIL, "elise@example.fr")


@pytest.mark.parametrize(
    "variant",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "+33 6 12 34 56 78",
        "0033612345678",
        "+33 (0)6 12 34 56 78",
        "+33612345678",
    ],
)
def test_phone_variants_share_one_index(variant: str) -> None:
    assert normalise_phone(variant) == "+33612345678"  # E.164
    assert INDEX.digest(Lookup.PHONE, variant) == INDEX.digest(Lookup.PHONE, "0612345678")


def test_kinds_and_keys_separate_digests() -> None:
    assert INDEX.digest(Lookup.EXACT, "a@b.fr") != INDEX.digest(Lookup.EMAIL, "a@b.fr")
    other = BlindIndex(os.urandom(32))
    assert other.digest(Lookup.EMAIL, "a@b.fr") != INDEX.digest(Lookup.EMAIL, "a@b.fr")


@given(st.emails())
def test_index_is_a_function_of_the_normalised_email(email: str) -> None:
    assert INDEX.digest(Lookup.EMAIL, email) == INDEX.digest(Lookup.EMAIL, email.upper())
    assert len(INDEX.digest(Lookup.EMAIL, email)) == 32
    assert normalise_email(email) == normalise_email(f"  {email}  ")


@pytest.mark.parametrize("bad", ["", "no-at-sign", "two@@example.fr", "@example.fr", "a b@c.fr"])
def test_bad_emails_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        INDEX.digest(Lookup.EMAIL, bad)


@pytest.mark.parametrize("bad", ["", "abc", "12", "+33 6 12 34 56 78 90 12 34 56"])
def test_bad_phones_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        INDEX.digest(Lookup.PHONE, bad)


def test_index_key_is_separate_persistent_and_not_a_data_key(store: KeyStore) -> None:
    from gdprcrm.vault import InMemoryKekSource

    kek = InMemoryKekSource()
    vault = KeyVault(store, kek, signer=SIGNER)
    digest = vault.blind_index(Lookup.EMAIL, "elise@example.fr")
    again = KeyVault(store, kek, signer=SIGNER)
    assert again.blind_index(Lookup.EMAIL, "Elise@example.fr") == digest
    sid = SubjectId.new()
    vault.encrypt(sid, "email", "elise@example.fr")
    vault.shred(sid)  # shredding a subject leaves the index key (and others' lookups) intact
    assert vault.blind_index(Lookup.EMAIL, "elise@example.fr") == digest
    assert repr(INDEX) == "BlindIndex(<key hidden>)"

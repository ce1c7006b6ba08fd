"""The vault's key cache: bounded, oldest first out, and cheap to keep bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gdprcrm.model import SubjectId
from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault, MemoryKeyStore
from gdprcrm.vault._cache import oldest


@given(st.integers(1, 64), st.integers(1, 40))
def test_a_full_cache_drops_its_oldest_eighth(capacity: int, over: int) -> None:
    cache = {bytes([i % 256, i // 256]): i for i in range(capacity + over)}
    dropped = oldest(cache, capacity)
    assert dropped == list(cache)[: over + capacity // 8]  # insertion order: oldest first
    for key in dropped:
        del cache[key]
    assert len(cache) <= capacity


def test_the_cache_stays_bounded_and_every_value_still_decrypts() -> None:
    vault = KeyVault(
        MemoryKeyStore(),
        InMemoryKekSource(),
        signer=CertificateSigner.generate("cache"),
        cache_size=16,
    )
    people = [SubjectId.new() for _ in range(200)]
    sealed = {sid: vault.encrypt(sid, "email", f"p{i}@example.fr") for i, sid in enumerate(people)}
    for _ in range(2):  # every key reloaded past the cache's size, twice
        for i, sid in enumerate(people):
            assert vault.decrypt(sid, "email", sealed[sid]) == f"p{i}@example.fr"
            assert len(vault._subjects) <= 16
    assert people[-1].bytes in vault._subjects  # the newest stay

"""Fixtures: each vault test runs on both key stores that ship."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gdprcrm.testing import FrozenClock
from gdprcrm.vault import (
    CertificateSigner,
    InMemoryKekSource,
    KeyStore,
    KeyVault,
    MemoryKeyStore,
    SQLiteKeyStore,
)

SIGNER = CertificateSigner.generate("acme-dpo")


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyStore]:
    made: KeyStore = (
        MemoryKeyStore() if request.param == "memory" else SQLiteKeyStore(tmp_path / "keys.db")
    )
    yield made
    made.close()


@pytest.fixture
def kek() -> InMemoryKekSource:
    return InMemoryKekSource()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def vault(store: KeyStore, kek: InMemoryKekSource, clock: FrozenClock) -> KeyVault:
    return KeyVault(store, kek, signer=SIGNER, clock=clock)


def memory_vault() -> KeyVault:
    """For Hypothesis tests, which cannot use function-scoped fixtures."""
    return KeyVault(MemoryKeyStore(), InMemoryKekSource(), signer=SIGNER, clock=FrozenClock())

"""gdprcrm's pytest plugin (registered under ``pytest11``): fixtures for your tests.

Loaded automatically once ``gdprcrm[testing]`` is installed. A top-level module, so that
loading it imports nothing of gdprcrm at start-up; each fixture imports what it needs
when a test asks for it.

* ``gdprcrm_clock`` - a :class:`~gdprcrm.testing.FrozenClock` at 2026-01-05 09:00 UTC;
* ``gdprcrm_vault`` - a :class:`~gdprcrm.vault.KeyVault` over an in-memory key store;
* ``gdprcrm_declarations`` - the shipped French example's declarations;
* ``gdprcrm_controller`` - a :class:`~gdprcrm.Controller` on the in-memory adapter,
  with that clock, vault and declarations.

Override any of them in your own ``conftest.py`` (a fixture of the same name wins):
``gdprcrm_declarations`` to use yours, ``gdprcrm_clock`` to start at another instant.
These fixtures are function-scoped: inside ``@given`` tests, build a fresh Controller
per example with :func:`gdprcrm.testing.make_controller` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

# Failures in the shipped conformance suite show their values, as in your own tests.
pytest.register_assert_rewrite("gdprcrm.testing.conformance")

if TYPE_CHECKING:
    from gdprcrm.model import Declarations
    from gdprcrm.service import Controller
    from gdprcrm.testing.clock import FrozenClock
    from gdprcrm.vault import KeyVault

__all__ = [
    "gdprcrm_clock",
    "gdprcrm_controller",
    "gdprcrm_declarations",
    "gdprcrm_storage",
    "gdprcrm_vault",
]


@pytest.fixture
def gdprcrm_clock() -> FrozenClock:
    """A FrozenClock at gdprcrm.testing.T0 (2026-01-05 09:00 UTC); move it with advance()."""
    from gdprcrm.testing.clock import FrozenClock

    return FrozenClock()


@pytest.fixture
def gdprcrm_storage() -> Any:
    """A fresh, empty MemoryStorage (the reference adapter)."""
    from gdprcrm.storage.memory import MemoryStorage

    return MemoryStorage()


@pytest.fixture
def gdprcrm_vault(gdprcrm_storage: Any, gdprcrm_clock: FrozenClock) -> KeyVault:
    """A KeyVault over gdprcrm_storage's key store, an in-memory KEK and gdprcrm_clock."""
    from gdprcrm.vault import CertificateSigner, InMemoryKekSource, KeyVault

    return KeyVault(
        gdprcrm_storage.key_store(),
        InMemoryKekSource(),
        signer=CertificateSigner.generate("test-controller"),
        clock=gdprcrm_clock,
    )


@pytest.fixture
def gdprcrm_declarations() -> Declarations:
    """The shipped French example's declarations; override this fixture to use yours."""
    from gdprcrm.examples import lumiere

    return lumiere.declarations()


@pytest.fixture
def gdprcrm_controller(
    gdprcrm_storage: Any,
    gdprcrm_vault: KeyVault,
    gdprcrm_declarations: Declarations,
    gdprcrm_clock: FrozenClock,
) -> Controller:
    """A Controller over gdprcrm_storage, gdprcrm_vault, gdprcrm_declarations, gdprcrm_clock."""
    from gdprcrm.service import Controller

    return Controller(gdprcrm_storage, gdprcrm_vault, gdprcrm_declarations, clock=gdprcrm_clock)

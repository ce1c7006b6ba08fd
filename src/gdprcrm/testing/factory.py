"""A whole Controller in one call, for tests (no Hypothesis, no pytest needed).

Inside ``@given`` tests, function-scoped pytest fixtures are shared by every example
(Hypothesis warns with its ``function_scoped_fixture`` health check); build a fresh
Controller per example with :func:`make_controller` instead::

    @given(st.emails())
    def test_signup(email):
        crm = make_controller(clock=FrozenClock())
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gdprcrm.clock import Clock
from gdprcrm.model import Declarations
from gdprcrm.testing.clock import FrozenClock

if TYPE_CHECKING:
    from gdprcrm.service import Controller
    from gdprcrm.storage.protocols import Storage

__all__ = ["make_controller"]


def make_controller(
    declarations: Declarations | None = None,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
    audit_key: bytes | None = b"gdprcrm tests: a fixed audit key",
) -> Controller:
    """A Controller over in-memory storage (or ``storage``), with an in-memory KEK, a
    fresh signer, ``clock`` (a :class:`FrozenClock` at ``T0`` by default) and the
    shipped French example's declarations unless ``declarations`` are given."""
    from gdprcrm.examples import lumiere
    from gdprcrm.service import Controller
    from gdprcrm.signing import CertificateSigner
    from gdprcrm.storage.memory import MemoryStorage
    from gdprcrm.vault import InMemoryKekSource, KeyVault

    chosen_clock = clock if clock is not None else FrozenClock()
    chosen_storage = storage if storage is not None else MemoryStorage()
    vault = KeyVault(
        chosen_storage.key_store(),
        InMemoryKekSource(),
        signer=CertificateSigner.generate("test-controller"),
        clock=chosen_clock,
    )
    return Controller(
        chosen_storage,
        vault,
        declarations if declarations is not None else lumiere.declarations(),
        clock=chosen_clock,
        audit_key=audit_key,
    )

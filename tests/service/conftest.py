"""The Controller tests run on the fixtures gdprcrm ships to its users (pytest plugin):
``crm`` is ``gdprcrm_controller`` (memory adapter, the French example, a frozen clock at
:data:`gdprcrm.testing.T0`) and ``clock`` is that same ``gdprcrm_clock``."""

from __future__ import annotations

import pytest

from gdprcrm.service import Controller
from gdprcrm.testing import FrozenClock


@pytest.fixture
def clock(gdprcrm_clock: FrozenClock) -> FrozenClock:
    return gdprcrm_clock


@pytest.fixture
def crm(gdprcrm_controller: Controller) -> Controller:
    return gdprcrm_controller

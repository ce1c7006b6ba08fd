"""gdprcrm's Hypothesis plugin (entry point ``hypothesis``): ``st.from_type`` for the model.

With ``gdprcrm[testing]`` installed, ``st.from_type(Purpose)``, ``st.from_type(Subject)``
and friends draw valid model objects from :mod:`gdprcrm.testing.strategies`.

Hypothesis calls this hook while it is being imported, possibly from inside the import
of :mod:`gdprcrm.testing.strategies` itself; so the hook imports nothing of ours that
needs Hypothesis, and each registration resolves its strategy only when a test first
asks for the type.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["_hypothesis_setup_hook"]


def _lazy(name: str) -> Any:
    def resolve(_type: type) -> Any:
        module = importlib.import_module("gdprcrm.testing.strategies")
        return module.STRATEGIES_BY_TYPE[name]()

    return resolve


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from gdprcrm import model

    for name in _registered_names():
        st.register_type_strategy(getattr(model, name), _lazy(name))


def _registered_names() -> tuple[str, ...]:
    from gdprcrm.testing._types import REGISTERED

    return REGISTERED

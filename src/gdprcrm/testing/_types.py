"""The model classes the Hypothesis plugin registers (no Hypothesis import here)."""

from __future__ import annotations

import attrs

from gdprcrm import model

REGISTERED: tuple[str, ...] = tuple(
    sorted(
        name
        for name in model.__all__
        if isinstance(cls := getattr(model, name), type) and attrs.has(cls)
    )
)
"""Every public attrs class of :mod:`gdprcrm.model`; each has a strategy in
:data:`gdprcrm.testing.strategies.STRATEGIES_BY_TYPE` (a test checks it)."""

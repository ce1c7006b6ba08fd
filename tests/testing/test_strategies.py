"""The shipped strategies: importable alone, and st.from_type for every model class."""

from __future__ import annotations

import datetime
import subprocess
import sys

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gdprcrm.model
from gdprcrm.serialization import structure, unstructure
from gdprcrm.testing._types import REGISTERED

PUBLIC_CLASSES = sorted(
    name
    for name in gdprcrm.model.__all__
    if isinstance(getattr(gdprcrm.model, name), type) and attrs.has(getattr(gdprcrm.model, name))
)


@pytest.mark.parametrize(
    "statement",
    [
        "from gdprcrm.testing import strategies",
        "import gdprcrm.testing.strategies",
        "from gdprcrm.testing.strategies import purposes; purposes()",
    ],
)
def test_the_strategies_import_alone_in_a_fresh_interpreter(statement: str) -> None:
    # A script, a notebook or an import-sorted test module imports them before Hypothesis.
    run = subprocess.run(
        [sys.executable, "-c", statement], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr


def test_every_public_model_class_is_registered_with_a_strategy() -> None:
    from gdprcrm.testing.strategies import STRATEGIES_BY_TYPE

    assert sorted(REGISTERED) == PUBLIC_CLASSES
    assert sorted(STRATEGIES_BY_TYPE) == PUBLIC_CLASSES


@pytest.mark.parametrize("name", PUBLIC_CLASSES)
def test_from_type_builds_valid_aware_instances(name: str) -> None:
    cls = getattr(gdprcrm.model, name)

    @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(st.from_type(cls))
    def check(value: object) -> None:
        assert isinstance(value, cls)
        for field in attrs.fields(cls):
            got = getattr(value, field.name)
            # Instants are aware; a CallingWindow's times are local wall-clock hours.
            if isinstance(got, datetime.datetime):
                assert got.utcoffset() is not None, f"{name}.{field.name} is naive"

    check()


@pytest.mark.parametrize(
    "name", [n for n in PUBLIC_CLASSES if n not in ("ConsentAges", "ConsentState", "RightRule")]
)
def test_drawn_instances_round_trip_through_the_converter(name: str) -> None:
    cls = getattr(gdprcrm.model, name)

    @settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(st.from_type(cls))
    def check(value: object) -> None:
        assert structure(unstructure(value), cls) == value

    check()

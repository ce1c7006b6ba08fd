"""The conformance suite names what disagreed (issue 12): an adapter that gets one
repository wrong fails with that repository's name, not a bare inequality."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from gdprcrm.testing.conformance import DifferentialMachine
from gdprcrm.testing.conformance.units import UnitOfWorkTests
from tests.test_adapter_example import kv


def _broken() -> Any:
    """The key-value example, with a records repository that drops every update."""

    class LosesUpdates(kv.Records):  # type: ignore[misc, name-defined]
        def _update(self, record: Any) -> None:
            return None

    storage = kv.KeyValueStorage()
    original = storage.unit_of_work

    def unit_of_work(*, read_only: bool = False) -> Any:
        unit = original(read_only=read_only)
        unit.records = LosesUpdates(unit)
        return unit

    storage.unit_of_work = unit_of_work
    return storage


def test_a_wrong_repository_is_named_in_the_failure() -> None:
    machine = type("BrokenMachine", (DifferentialMachine,), {"factory": staticmethod(_broken)})
    with pytest.raises(AssertionError, match=r"uow\.records|update_record"):
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=300,
                stateful_step_count=30,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],  # no shrinking: only the message matters here
                suppress_health_check=list(HealthCheck),
            ),
        )


def test_an_adapter_that_deadlocks_on_nesting_fails_instead_of_hanging() -> None:
    # An adapter that forgets NestedUnitOfWork and guards units with a plain lock would
    # block the suite for ever; the test must fail, naming the cause.
    class PlainLock(kv.KeyValueStorage):  # type: ignore[misc, name-defined]
        def enter(self) -> None:
            self.db.lock.acquire()  # no nesting check: the second acquire blocks

        def leave(self) -> None:
            self.db.lock.release()

    storage = PlainLock()
    storage.db.lock = threading.Lock()  # not reentrant
    with pytest.raises(AssertionError, match="blocked"):
        UnitOfWorkTests.test_nesting_is_an_error(None, storage)  # type: ignore[arg-type]

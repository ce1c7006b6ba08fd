"""The conformance suite names what disagreed (issue 12): an adapter that gets one
repository wrong fails with that repository's name, not a bare inequality."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from gdprcrm.testing.conformance import DifferentialMachine
from gdprcrm.testing.conformance.units import UnitOfWorkTests
from tests.storage import test_conformance as adapters
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


def test_an_adapter_that_writes_outside_a_transaction_fails_the_killed_writer_test(
    tmp_path: Path,
) -> None:
    # Issue 12: a non-atomic commit passed the suite. SQLite in autocommit (no BEGIN):
    # every statement of the killed writer's unit is already in the file.
    class AutocommitSQLite(adapters.TestSQLiteStorage):
        __test__ = False

        def reopen_code(self, storage: Any) -> str:
            return f"""
                import gdprcrm.storage.sqlite as adapter
                def begin(unit):
                    unit._db = unit._storage._enter()  # no BEGIN: autocommit
                adapter._SQLiteUnit._begin = begin
                storage = adapter.SQLiteStorage({str(storage.path)!r})
            """

    suite = AutocommitSQLite()
    suite.folder, suite.made = tmp_path, 0
    with pytest.raises(AssertionError, match="half-written"):
        suite.test_a_writer_killed_mid_unit_leaves_nothing_half_written()

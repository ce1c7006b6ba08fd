"""The cyclic garbage collector is paused while a sweep erases a batch (P15), and left
as it was found: enabled again after the batch, disabled if the host had disabled it."""

from __future__ import annotations

import gc
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from gdprcrm.service import sweep_batch, sweep_expiry, sweep_records
from gdprcrm.service.collector import collector_paused
from gdprcrm.testing import T0, FrozenClock, make_controller


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_enabled_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the batch failed")
    assert gc.isenabled()


def test_a_collector_the_host_disabled_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_batches_share_one_pause_lifted_by_the_last() -> None:
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first ends while the second still runs
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_threads_leave_the_collector_enabled() -> None:
    inside = threading.Barrier(4)
    seen: list[bool] = []

    def batch() -> None:
        with collector_paused():
            inside.wait()
            seen.append(gc.isenabled())
            inside.wait()

    threads = [threading.Thread(target=batch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False] * 4
    assert gc.isenabled()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork only")
def test_a_child_forked_during_a_batch_starts_with_the_collector_enabled() -> None:
    entered, leave = threading.Event(), threading.Event()

    def batch() -> None:
        with collector_paused():
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=batch)
    thread.start()
    try:
        assert entered.wait(10)
        with warnings.catch_warnings():  # 3.12+ warns of a fork beside threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: no batch of its own, so no pause; a pause still works
            ok = gc.isenabled()
            with collector_paused():
                ok = ok and not gc.isenabled()
            os._exit(0 if ok and gc.isenabled() else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert not gc.isenabled()  # the parent's batch still runs
    finally:
        leave.set()
        thread.join()
    assert gc.isenabled()


def _watch(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[bool]:
    """Record whether the collector runs each time ``module.name`` is called."""
    seen: list[bool] = []
    original: Callable[..., Any] = getattr(module, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, watched)
    return seen


def test_each_kind_of_sweep_batch_runs_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    erasing = _watch(monkeypatch, sweep_batch, "_expired")
    expiring = _watch(monkeypatch, sweep_expiry, "_expiring")
    records = _watch(monkeypatch, sweep_records, "frozen_by_request")

    prospects = make_controller(clock=FrozenClock(T0))
    prospects.add_subject({"email": "p@example.fr", "name": "P"}, "FR", purposes=["newsletter"])
    assert prospects.sweep(T0 + timedelta(days=4 * 365)).erasures_completed == 1

    customers = make_controller(clock=FrozenClock(T0))
    values = {"email": "c@example.fr", "name": "C", "invoices": "F-1"}
    sid = customers.add_subject(values, "FR", purposes=["newsletter", "invoicing"])
    customers.give_consent(sid, "newsletter", channel="web-form")
    assert customers.sweep(T0 + timedelta(days=3 * 366 + 1)).erased == 1

    invoiced = make_controller(clock=FrozenClock(T0))
    client = {"email": "i@example.fr", "name": "I"}
    sid = invoiced.add_subject(client, "FR", purposes=["customer-relationship", "invoicing"])
    invoiced.add_record(sid, "invoice", {"number": "F-1", "amount": "10.00"})
    assert invoiced.sweep(T0 + relativedelta(years=11)).records_erased == 1

    # the batches of full erasures, of partial expiries, of records run out
    for seen in (erasing, expiring, records):
        assert seen
        assert not any(seen)
    assert gc.isenabled()

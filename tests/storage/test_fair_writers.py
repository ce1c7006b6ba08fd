"""SQLite writers take turns (issue 12, item 8): the writers of one process queue first
come, first served with a bound, and a read-only unit never blocks a writer. Every wait
here is bounded: a regression fails, it never hangs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from gdprcrm import errors
from gdprcrm.storage._fair_lock import FairLock
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing.builders import build_subject

BOUND = 20.0


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"waited {BOUND:g}s for {what}")
        time.sleep(0.001)


def test_the_lock_is_handed_over_in_arrival_order() -> None:
    lock = FairLock()
    assert lock.acquire(1)
    order: list[int] = []

    def worker(i: int) -> None:
        assert lock.acquire(BOUND)
        order.append(i)
        lock.release()

    threads = []
    for i in range(8):
        thread = threading.Thread(target=worker, args=(i,))
        thread.start()
        threads.append(thread)
        _until(lambda n=i + 1: len(lock._waiters) == n, f"waiter {i} to queue")
    lock.release()
    for thread in threads:
        thread.join(BOUND)
    assert order == list(range(8))


def test_a_wait_that_runs_out_leaves_no_trace() -> None:
    lock = FairLock()
    assert lock.acquire(1)
    assert lock.acquire(0.01) is False
    assert not lock._waiters
    lock.release()
    assert lock.acquire(0.01)  # free again
    lock.release()


def test_the_lock_excludes_under_contention() -> None:
    lock = FairLock()
    inside = 0
    worst = 0

    def worker() -> None:
        nonlocal inside, worst
        for _ in range(300):
            assert lock.acquire(BOUND)
            inside += 1
            worst = max(worst, inside)
            inside -= 1
            lock.release()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert worst == 1


def test_a_writer_is_not_starved_by_a_writing_loop(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "crm.db")
    commits = 0
    stop = threading.Event()

    def loop() -> None:
        nonlocal commits
        while not stop.is_set():
            with storage.unit_of_work() as uow:
                uow.subjects.add(build_subject())
                uow.commit()
            commits += 1

    looping = threading.Thread(target=loop)
    looping.start()
    try:
        _until(lambda: commits >= 20, "the loop to get going")
        asked = commits
        with storage.unit_of_work() as uow:  # the rectification of the issue
            got_in = commits
            uow.subjects.add(build_subject())
            uow.commit()
        # First come, first served: at most the unit in progress went before it.
        assert got_in - asked <= 1
    finally:
        stop.set()
        looping.join(BOUND)
        storage.close()


def test_a_reader_never_blocks_a_writer_and_keeps_its_snapshot(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "crm.db")
    with storage.unit_of_work() as uow:
        uow.subjects.add(build_subject())
        uow.commit()
    written = threading.Event()

    def writer() -> None:
        with storage.unit_of_work() as uow:
            uow.subjects.add(build_subject())
            uow.commit()
        written.set()

    with storage.unit_of_work(read_only=True) as reading:
        assert reading.subjects.count() == 1
        thread = threading.Thread(target=writer)
        thread.start()
        assert written.wait(BOUND), "a read-only unit blocked a writer"
        assert reading.subjects.count() == 1  # its snapshot, not the new row
    thread.join(BOUND)
    with storage.unit_of_work(read_only=True) as uow:
        assert uow.subjects.count() == 2
    storage.close()


def test_a_writer_queued_too_long_gets_a_typed_error(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "crm.db", timeout=0.05)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with storage.unit_of_work() as uow:
            holding.set()
            release.wait(BOUND)
            uow.commit()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(BOUND)
    try:
        with pytest.raises(errors.OperationalError, match="other writers"), storage.unit_of_work():
            pass
    finally:
        release.set()
        thread.join(BOUND)
    with storage.unit_of_work() as uow:  # nothing left held
        uow.commit()
    storage.close()


def test_openers_racing_on_a_new_file_all_get_in(tmp_path: Path) -> None:
    # Several processes (threads with their own storage here) open one new database at
    # once: switching it to WAL took a lock SQLite does not wait for, and about one
    # round in seven failed with "database is locked".
    for round_ in range(25):
        path = tmp_path / f"crm{round_}.db"
        barrier = threading.Barrier(4, timeout=BOUND)
        failures: list[BaseException] = []

        def open_it(
            path: Path = path,
            barrier: threading.Barrier = barrier,
            failures: list[BaseException] = failures,
        ) -> None:
            try:
                barrier.wait()
                SQLiteStorage(path).close()
            except BaseException as exc:  # reported below
                failures.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(BOUND)
        assert not any(t.is_alive() for t in threads), "an opener hung"
        assert failures == [], f"round {round_}: {failures[0]!r}"

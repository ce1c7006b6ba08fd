"""Durability: what a committed unit keeps across a restart, and what a writer killed in
the middle of a unit leaves behind (nothing). For adapters that declare ``durable``.

Two hooks, both optional: :meth:`DurabilityTests.reopen` (a new storage over the same
database, in this process) and :meth:`DurabilityTests.reopen_code` (Python source that
opens the same database in a fresh interpreter, binding it to ``storage``). A durable
adapter without them has its durability tests skipped, saying so.
"""

from __future__ import annotations

import abc
import os
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from gdprcrm.model import Subject
from gdprcrm.storage.protocols import Capabilities, Storage
from gdprcrm.testing.conformance._support import _entry, _subject

__all__ = ["DurabilityTests"]

KILL_BOUND = 60.0
"""Seconds the killed-writer test waits for the child at most (it fails, saying so)."""

_WRITER = """
import sys
from datetime import UTC, datetime, timedelta

from gdprcrm.model import AuditEntry, PersonalField, Subject, SubjectId

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
with storage.unit_of_work() as uow:
    for i in range(200):
        s = Subject(SubjectId.new(), "FR", T0, purposes=frozenset({"newsletter"}))
        uow.subjects.add(s)
        uow.subjects.put_fields([PersonalField(s.id, "email", b"x" * 200, T0)])
    uow.audit.append(AuditEntry(1, T0 + timedelta(seconds=1), "system", "test.write"))
    print("in-unit", flush=True)
    sys.stdin.read()  # until killed
    uow.commit()
"""


def _read_line(child: subprocess.Popen[str], bound: float) -> str:
    """The child's next line, or a failure saying what hung after ``bound`` seconds."""
    assert child.stdout is not None
    deadline = time.monotonic() + bound
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            child.kill()
            pytest.fail(
                f"the writer subprocess did not reach the middle of its unit in {bound:.0f}s "
                "(is reopen_code() opening the same database? does unit_of_work() block?)"
            )
        ready, _, _ = select.select([child.stdout], [], [], min(left, 0.5))
        if ready:
            return child.stdout.readline()
        if child.poll() is not None:
            err = child.stderr.read() if child.stderr is not None else ""
            pytest.fail(f"the writer subprocess exited with {child.returncode}: {err[-2000:]}")


class DurabilityTests(abc.ABC):
    """Mixed into :class:`~gdprcrm.testing.conformance.StorageConformance`."""

    @abc.abstractmethod
    def make_storage(self) -> Storage:
        """A fresh, empty storage: the hook an adapter's test class implements."""

    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """What the adapter supports (StorageConformance answers from the storage)."""

    def reopen(self, storage: Storage) -> Storage | None:
        """A new storage over the same database as ``storage`` (closed by then), as after a
        restart; None (the default) skips the durability tests. Adapters that declare
        ``durable`` should implement it."""
        return None

    def reopen_code(self, storage: Storage) -> str | None:
        """Python source that, run in a fresh interpreter (the project's environment,
        the test's working directory), opens the same database as ``storage`` and binds
        it to the name ``storage``. None (the default) skips the killed-writer test."""
        return None

    def _skip_unless_durable(self, hook: str) -> None:
        if self.capabilities().durable:
            pytest.skip(f"durable adapter without a {hook} hook: durability not checked")
        pytest.skip("not durable: nothing survives a restart")

    def _committed_subject(self) -> tuple[Storage, Subject]:
        """A fresh storage holding one committed subject and its audit entry."""
        storage = self.make_storage()
        subject = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(subject)
            uow.audit.append(_entry(0, subject.id))
            uow.commit()
        return storage, subject

    def test_committed_units_survive_a_restart(self) -> None:
        storage, subject = self._committed_subject()
        with storage.unit_of_work() as uow:  # left without commit: must not survive
            uow.subjects.add(_subject())
        storage.close()
        again = self.reopen(storage)
        if again is None:
            self._skip_unless_durable("reopen()")
            return
        try:
            with again.unit_of_work(read_only=True) as uow:
                assert uow.subjects.find(subject.id) == subject, "committed subject lost"
                assert uow.subjects.count() == 1, "a unit left without commit survived"
                head = uow.audit.head()
                assert head is not None, "committed audit entry lost"
                assert head.sequence == 0, "audit head moved"
        finally:
            again.close()

    def test_a_writer_killed_mid_unit_leaves_nothing_half_written(self) -> None:
        # kill -9 while a unit holds 200 subjects, their fields and an audit entry: after
        # a restart the store holds exactly what was committed before.
        storage, kept = self._committed_subject()
        code = self.reopen_code(storage)
        storage.close()
        if code is None:
            self._skip_unless_durable("reopen_code()")
            return
        child = subprocess.Popen(  # noqa: S603 - the adapter author's own code, in a test
            [sys.executable, "-c", textwrap.dedent(code) + "\n" + _WRITER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert _read_line(child, KILL_BOUND).strip() == "in-unit"
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=KILL_BOUND)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            for stream in (child.stdin, child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
        assert child.returncode == -signal.SIGKILL, "the writer was not killed mid-unit"
        again = self.reopen(storage)
        if again is None:
            self._skip_unless_durable("reopen()")
            return
        try:
            with again.unit_of_work(read_only=True) as uow:
                assert uow.subjects.count() == 1, "a killed writer's unit was half-written"
                assert uow.subjects.get(kept.id) == kept, "the committed subject changed"
                head = uow.audit.head()
                assert head is not None, "committed audit entry lost"
                assert head.sequence == 0, "a killed writer's audit entry survived"
        finally:
            again.close()

"""The unit-of-work tests of the storage conformance suite (part of
:class:`gdprcrm.testing.conformance.StorageConformance`)."""

from __future__ import annotations

import abc
import signal
import threading
from collections.abc import Callable

import pytest

from gdprcrm import errors
from gdprcrm.storage.protocols import Storage
from gdprcrm.testing.conformance._support import (
    _entry,
    _field,
    _subject,
)

__all__ = ["UnitOfWorkTests"]


class UnitOfWorkTests(abc.ABC):
    """Commit, rollback, read-only units, nesting, use outside the unit, closing."""

    @abc.abstractmethod
    def make_storage(self) -> Storage:
        """A fresh, empty storage: the hook an adapter's test class implements."""

    # -- unit of work ---------------------------------------------------------------

    def test_commit_makes_writes_visible(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.get(s.id) == s

    def test_leaving_without_commit_rolls_back(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.subjects.put_fields([_field(s.id)])
            uow.audit.append(_entry(0, s.id))
        with storage.unit_of_work() as uow:
            assert uow.subjects.find(s.id) is None
            assert uow.subjects.fields(s.id) == []
            assert uow.audit.head() is None

    def test_an_exception_rolls_back(self, storage: Storage) -> None:
        s = _subject()

        def failing_operation() -> None:
            with storage.unit_of_work() as uow:
                uow.subjects.add(s)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            failing_operation()
        with storage.unit_of_work() as uow:
            assert uow.subjects.find(s.id) is None

    def test_explicit_rollback(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.rollback()
            assert not uow.active
        with storage.unit_of_work() as uow:
            assert uow.subjects.find(s.id) is None

    def test_read_only_units_read_and_refuse_writes(self, storage: Storage) -> None:
        s = _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add(s)
            uow.audit.append(_entry(0, s.id))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.read_only
            assert uow.subjects.get(s.id) == s
            head = uow.audit.head()
            assert head is not None
            for write in (
                lambda: uow.subjects.add(_subject()),
                lambda: uow.subjects.update(s),
                lambda: uow.subjects.get_for_update(s.id),
                lambda: uow.subjects.put_fields([_field(s.id)]),
                lambda: uow.audit.append(_entry(1, s.id)),
                lambda: uow.retention.clear(s.id),
            ):
                with pytest.raises(errors.ReadOnlyUnit):
                    write()
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.subjects.count() == 1
            assert uow.subjects.fields(s.id) == []

    def test_add_many_is_all_or_nothing(self, storage: Storage) -> None:
        first, second, third = _subject(), _subject(), _subject()
        with storage.unit_of_work() as uow:
            uow.subjects.add_many([first, second])
            uow.commit()
        with storage.unit_of_work() as uow:
            with pytest.raises(errors.DuplicateRecord):
                uow.subjects.add_many([third, third])
            with pytest.raises(errors.DuplicateRecord):
                uow.subjects.add_many([third, first])
        with storage.unit_of_work() as uow:
            assert uow.subjects.count() == 2
            assert uow.subjects.find(third.id) is None

    def test_nesting_is_an_error(self, storage: Storage) -> None:
        with storage.unit_of_work() as outer:
            outer.subjects.add(_subject())
            outcome = _bounded(lambda: storage.unit_of_work().__enter__(), seconds=10)
            assert outcome != "blocked", (
                "a unit of work opened inside another on the same thread blocked instead of "
                "raising NestedUnitOfWork (a plain lock deadlocks the caller)"
            )
            assert isinstance(outcome, errors.NestedUnitOfWork), (
                f"a nested unit of work must raise NestedUnitOfWork, got {outcome!r}"
            )
            outer.commit()
        with storage.unit_of_work() as uow:  # the storage is still usable
            assert uow.subjects.count() == 1

    def test_repositories_refuse_use_outside_the_unit(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.commit()
        with pytest.raises(errors.InterfaceError):
            uow.subjects.add(_subject())
        with pytest.raises(errors.InterfaceError):
            uow.notifications.pending()  # first touched after the unit ended
        with pytest.raises(errors.InterfaceError):
            uow.commit()
        unopened = storage.unit_of_work()
        with pytest.raises(errors.InterfaceError):
            unopened.subjects.add(_subject())  # before the unit began
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.subjects.count() == 0  # nothing was written

    def test_closed_storage_gives_a_typed_error(self) -> None:
        storage = self.make_storage()
        storage.close()
        with pytest.raises(errors.InterfaceError), storage.unit_of_work() as uow:
            uow.subjects.count()


class _Blocked(Exception):
    """Raised by the alarm when an operation that must fail fast blocked instead."""


def _bounded(action: Callable[[], object], *, seconds: float) -> object:
    """Run ``action`` on this thread (a nested unit must be detected on the same thread)
    under an alarm: the exception it raised, its result, or ``"blocked"`` if it had not
    returned after ``seconds`` (a lock acquire is interrupted by the signal). Outside the
    main thread, or without SIGALRM, it simply runs."""
    use_alarm = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )

    def alarm(signum: int, frame: object) -> None:
        raise _Blocked

    previous = signal.signal(signal.SIGALRM, alarm) if use_alarm else None
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    except _Blocked:
        return "blocked"
    except Exception as exc:  # the expected outcome: the adapter's error
        return exc
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

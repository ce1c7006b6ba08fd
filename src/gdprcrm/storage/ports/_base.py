"""What every repository port shares: argument checks and the base class."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from gdprcrm.errors import (
    DataError,
    InterfaceError,
    InvalidInput,
    ReadOnlyUnit,
)
from gdprcrm.model import SubjectId

if TYPE_CHECKING:
    from gdprcrm.storage.protocols import UnitOfWork

__all__ = [
    "MAX_BATCH",
    "Repository",
]

MAX_BATCH = 100_000
"""The most records one bulk call may carry."""


def _check(value: object, cls: type | tuple[type, ...], what: str) -> None:
    if not isinstance(value, cls):
        names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)
        hint = (
            " (use SubjectId.parse(text))" if cls is SubjectId and isinstance(value, str) else ""
        )
        raise InvalidInput(f"{what}: expected {names}, got {type(value).__name__}{hint}")


def _check_all(values: Sequence[object], cls: type | tuple[type, ...], what: str) -> None:
    if not isinstance(values, Sequence) or isinstance(values, str | bytes):
        raise InvalidInput(f"{what}: expected a sequence")
    if len(values) > MAX_BATCH:
        raise DataError(f"{what}: at most {MAX_BATCH} records per call")
    for item in values:
        _check(item, cls, what)


def _subject_ids(values: Sequence[object], what: str) -> list[SubjectId]:
    """A batch of subject ids, each once, checked (the bulk deletions' argument)."""
    _check_all(values, SubjectId, what)
    return list(dict.fromkeys(values))  # type: ignore[arg-type]


def _named(
    values: Sequence[tuple[SubjectId, Iterable[str]]], what: str
) -> list[tuple[SubjectId, str]]:
    """A batch of (subject, names) checked and flattened into (subject, name) pairs,
    each once, in order (the bulk deletions of named fields and purposes)."""
    if not isinstance(values, Sequence) or isinstance(values, str | bytes):
        raise InvalidInput(f"{what}: expected a sequence of (SubjectId, names)")
    pairs: dict[tuple[SubjectId, str], None] = {}
    for item in values:
        if not isinstance(item, tuple) or len(item) != 2:
            raise InvalidInput(f"{what}: expected (SubjectId, names) pairs")
        sid, names = item
        _check(sid, SubjectId, what)
        if isinstance(names, str | bytes) or not isinstance(names, Iterable):
            raise InvalidInput(f"{what}: the names of each subject are a collection of str")
        for name in names:
            if not isinstance(name, str):
                raise InvalidInput(f"{what}: a name is a str, got {type(name).__name__}")
            pairs[(sid, name)] = None
    if len(pairs) > MAX_BATCH:
        raise DataError(f"{what}: at most {MAX_BATCH} records per call")
    return list(pairs)


def _by_subject(pairs: Sequence[tuple[SubjectId, str]]) -> dict[SubjectId, frozenset[str]]:
    """(subject, name) pairs grouped per subject, for the single-subject hooks."""
    out: dict[SubjectId, set[str]] = {}
    for sid, name in pairs:
        out.setdefault(sid, set()).add(name)
    return {sid: frozenset(names) for sid, names in out.items()}


class _OfSubject(Protocol):
    @property
    def subject_id(self) -> SubjectId: ...


T = TypeVar("T", bound=_OfSubject)


def _grouped(
    subject_ids: Sequence[SubjectId], found: Iterable[T], order: Callable[[T], Any]
) -> dict[SubjectId, list[T]]:
    """What a read over many subjects found, per subject (each of ``subject_ids`` has a
    list, empty when it has nothing), in the order the single-subject read gives."""
    out: dict[SubjectId, list[T]] = {sid: [] for sid in subject_ids}
    for item in found:
        items = out.get(item.subject_id)
        if items is None:  # never handed on: it would show the caller someone else's data
            raise InterfaceError(
                "a read over many subjects returned a row of a subject it was not asked "
                "for (a bug of the adapter's bulk hook)"
            )
        items.append(item)
    for items in out.values():
        items.sort(key=order)
    return out


class Repository(abc.ABC):  # noqa: B024 - the aggregate bases below add the abstract hooks
    """What every repository shares: the unit of work it belongs to (set on entry)."""

    _owner: UnitOfWork | None = None

    def _writable(self) -> None:
        owner = self._owner
        if owner is None or not owner.active:
            raise InterfaceError("repository used outside an open unit of work")
        if owner.read_only:
            raise ReadOnlyUnit("a write in a read-only unit of work")


_REPOSITORY_CLASSES: dict[type, bool] = {}


def _is_repository(cls: type) -> bool:
    known = _REPOSITORY_CLASSES.get(cls)
    if known is None:
        known = _REPOSITORY_CLASSES[cls] = issubclass(cls, Repository)
    return known

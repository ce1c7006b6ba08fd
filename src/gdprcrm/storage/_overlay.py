"""Copy-on-write tables for the in-memory adapter: a unit's writes wait in an overlay
over the committed dict, applied on commit and dropped on rollback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from gdprcrm.errors import ReadOnlyUnit

__all__ = ["Overlay"]

K = TypeVar("K")
V = TypeVar("V")
_DELETED = object()


class Overlay(Generic[K, V]):
    """Pending writes over a committed dict."""

    def __init__(self, committed: dict[K, V], read_only: bool = False) -> None:
        self.committed = committed
        self.pending: dict[K, object] = {}
        self.read_only = read_only

    def get(self, key: K) -> V | None:
        if key in self.pending:
            value = self.pending[key]
            return None if value is _DELETED else value  # type: ignore[return-value]
        return self.committed.get(key)

    def __contains__(self, key: K) -> bool:
        return self.get(key) is not None

    def put(self, key: K, value: V) -> None:
        if self.read_only:
            raise ReadOnlyUnit("a write in a read-only unit of work")
        self.pending[key] = value

    def delete(self, key: K) -> None:
        if self.read_only:
            raise ReadOnlyUnit("a write in a read-only unit of work")
        self.pending[key] = _DELETED

    def items(self) -> Iterator[tuple[K, V]]:
        for key, value in self.committed.items():
            if key not in self.pending:
                yield key, value
        for key, pending in self.pending.items():
            if pending is not _DELETED:
                yield key, pending  # type: ignore[misc]

    def values(self) -> Iterator[V]:
        return (v for _, v in self.items())

    def where(self, keep: Callable[[V], bool]) -> list[V]:
        return [v for v in self.values() if keep(v)]

    def apply(self) -> None:
        for key, value in self.pending.items():
            if value is _DELETED:
                self.committed.pop(key, None)
            else:
                self.committed[key] = value  # type: ignore[assignment]
        self.pending.clear()

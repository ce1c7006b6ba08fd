"""The tombstones port: the data store's own record of every shred (Art. 17).

A copy of each key-store tombstone, written in the same unit of work that finalises the
erasure. Either store can then be restored from a backup without bringing anything
back: on opening, :meth:`gdprcrm.Controller.reconcile` replays the tombstones each store
holds into the other (a restored key store loses the keys it brought back; a restored
data store erases again the subjects it brought back).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence

from gdprcrm.storage.ports._base import Repository, _check, _check_all
from gdprcrm.vault.keystore import Tombstone

__all__ = ["TombstoneRepository"]


class TombstoneRepository(Repository):
    """Tombstones kept in the data store; adding one again changes nothing."""

    def add(self, tombstone: Tombstone) -> None:
        self._writable()
        _check(tombstone, Tombstone, "tombstones.add")
        self._add(tombstone)

    def add_many(self, tombstones: Sequence[Tombstone]) -> None:
        """Add several (a sweep's erasures); one already kept for a subject stays."""
        self._writable()
        _check_all(tombstones, Tombstone, "tombstones.add_many")
        if tombstones:
            self._add_many(tombstones)

    def _add_many(self, tombstones: Sequence[Tombstone]) -> None:
        """Default: one at a time (the SQL adapters send the batch at once)."""
        for tombstone in tombstones:
            self._add(tombstone)

    def all(self) -> list[Tombstone]:
        """Every tombstone (read at start-up, to reconcile the stores)."""
        return sorted(self._all(), key=lambda t: str(t.subject_id))

    @abc.abstractmethod
    def _add(self, tombstone: Tombstone) -> None:
        """Insert, or keep the existing one for that subject."""

    @abc.abstractmethod
    def _all(self) -> Iterable[Tombstone]: ...

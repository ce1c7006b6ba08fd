"""The KeyStore port: where wrapped data keys and tombstones live, and a memory store.

A key store holds only *wrapped* keys (useless without the KEK) and tombstones. It may
be, and by default is, separate from the data store, so a restored data backup cannot
bring a shredded key back; and a restored key-store backup is neutralised by replaying
the tombstones kept elsewhere (:meth:`KeyStore.restore_tombstones`).

Invariants every implementation keeps (``tests/vault/test_keystores.py`` checks them
for each store):

* ``put`` refuses a key for a subject that has a tombstone (:class:`KeyShredded`) and
  a second key with the same (subject, version) (:class:`KeyStoreError`);
* ``shred`` deletes every version of the subject's key and writes its tombstone in one
  atomic, durable step; shredding again changes nothing and says so;
* nothing else ever deletes a key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from gdprcrm.errors import DuplicateKey, KeyShredded
from gdprcrm.model import SubjectId
from gdprcrm.model._checks import as_utc, aware, check_aware

__all__ = ["KeyStore", "MemoryKeyStore", "Secret", "Tombstone", "WrappedKey"]


@attrs.frozen
class WrappedKey:
    """One version of a subject's data key, wrapped by the KEK ``kek_id``."""

    subject_id: SubjectId
    version: int
    kek_id: str
    wrapped: bytes = attrs.field(repr=False)
    kcv: bytes = attrs.field(repr=False)
    """Key check value (hazmat.key_check_value): identifies the key, reveals nothing."""
    created_at: datetime
    """Built by the vault from its clock (aware UTC); not re-validated, it is on hot paths."""


@attrs.frozen
class Tombstone:
    """The record that a subject's keys were destroyed, and which ones."""

    subject_id: SubjectId
    shredded_at: datetime = attrs.field(converter=as_utc, validator=aware)
    destroyed: tuple[tuple[int, bytes], ...] = ()
    """(version, key check value) of each destroyed key."""


@attrs.frozen
class Secret:
    """A controller-wide secret (e.g. the blind-index key), wrapped by the KEK."""

    name: str
    kek_id: str
    wrapped: bytes = attrs.field(repr=False)


@runtime_checkable
class KeyStore(Protocol):
    """The vault's persistence port. Implementations must be safe to share across threads."""

    def get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        """One version of the subject's key, or None."""
        ...

    def latest(self, subject_id: SubjectId) -> WrappedKey | None:
        """The highest version of the subject's key, or None."""
        ...

    def put(self, key: WrappedKey) -> None:
        """Add a key; KeyShredded after a shred, KeyStoreError if the version exists."""
        ...

    def shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        """Destroy every version and record the tombstone, atomically and durably.

        Returns the tombstone and True, or the existing tombstone and False when the
        subject was already shredded.
        """
        ...

    def tombstone(self, subject_id: SubjectId) -> Tombstone | None: ...

    def tombstones(self) -> Iterator[Tombstone]:
        """Every tombstone, to be kept apart and replayed after a key-store restore."""
        ...

    def restore_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        """Replay tombstones: destroy any key they name, record them; returns how many
        subjects this destroyed keys for or newly recorded."""
        ...

    def key_batches(self, batch_size: int = 1000) -> Iterator[list[WrappedKey]]:
        """Every wrapped key, in batches (for KEK rotation)."""
        ...

    def rewrap(self, keys: Sequence[WrappedKey]) -> int:
        """Replace the wrapping of existing keys (same subject and version) atomically;
        keys shredded meanwhile are skipped. Returns how many were replaced."""
        ...

    def get_secret(self, name: str) -> Secret | None: ...

    def put_secret(self, secret: Secret, *, replace: bool = False) -> None: ...

    def close(self) -> None: ...


class MemoryKeyStore:
    """A key store in a dict: for tests, and as the reference the others must match."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._keys: dict[SubjectId, dict[int, WrappedKey]] = {}
        self._tombstones: dict[SubjectId, Tombstone] = {}
        self._secrets: dict[str, Secret] = {}

    def get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        versions = self._keys.get(subject_id)
        return None if versions is None else versions.get(version)

    def latest(self, subject_id: SubjectId) -> WrappedKey | None:
        with self._lock:
            versions = self._keys.get(subject_id)
            return versions[max(versions)] if versions else None

    def put(self, key: WrappedKey) -> None:
        with self._lock:
            if key.subject_id in self._tombstones:
                raise KeyShredded(f"subject {key.subject_id}: keys were shredded; refused")
            versions = self._keys.setdefault(key.subject_id, {})
            if key.version in versions:
                raise DuplicateKey(f"subject {key.subject_id}: key version exists")
            versions[key.version] = key

    def shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        at = check_aware(at, "shred(at)")
        with self._lock:
            existing = self._tombstones.get(subject_id)
            if existing is not None:
                return existing, False
            versions = self._keys.pop(subject_id, {})
            stone = Tombstone(
                subject_id, at, tuple((v, k.kcv) for v, k in sorted(versions.items()))
            )
            self._tombstones[subject_id] = stone
            return stone, True

    def tombstone(self, subject_id: SubjectId) -> Tombstone | None:
        return self._tombstones.get(subject_id)

    def tombstones(self) -> Iterator[Tombstone]:
        with self._lock:
            return iter(list(self._tombstones.values()))

    def restore_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        count = 0
        with self._lock:
            for stone in tombstones:
                had_keys = self._keys.pop(stone.subject_id, None)
                if stone.subject_id not in self._tombstones:
                    self._tombstones[stone.subject_id] = stone
                    count += 1
                elif had_keys:
                    count += 1
        return count

    def key_batches(self, batch_size: int = 1000) -> Iterator[list[WrappedKey]]:
        with self._lock:
            keys = [k for versions in self._keys.values() for k in versions.values()]
        for start in range(0, len(keys), batch_size):
            yield keys[start : start + batch_size]

    def rewrap(self, keys: Sequence[WrappedKey]) -> int:
        done = 0
        with self._lock:
            for key in keys:
                versions = self._keys.get(key.subject_id)
                if versions is not None and key.version in versions:
                    versions[key.version] = key
                    done += 1
        return done

    def get_secret(self, name: str) -> Secret | None:
        return self._secrets.get(name)

    def put_secret(self, secret: Secret, *, replace: bool = False) -> None:
        with self._lock:
            if not replace and secret.name in self._secrets:
                raise DuplicateKey(f"secret {secret.name!r} exists")
            self._secrets[secret.name] = secret

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"MemoryKeyStore({len(self._keys)} subjects, {len(self._tombstones)} tombstones)"

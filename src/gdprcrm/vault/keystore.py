"""The KeyStore port: where wrapped data keys and tombstones live, and a memory store.

A key store holds only *wrapped* keys (useless without the KEK) and tombstones. It may
be, and by default is, separate from the data store, so a restored data backup cannot
bring a shredded key back; and a restored key-store backup is neutralised by replaying
the tombstones kept elsewhere (:meth:`KeyStore.restore_tombstones`).

Invariants every implementation keeps (``tests/vault/test_keystores.py`` checks them
for each store):

* ``put`` refuses a key for a subject that has a tombstone (:class:`KeyShredded`) and
  a second key with the same (subject, version) (:class:`DuplicateKey`);
* ``shred`` deletes every version of the subject's key and writes its tombstone in one
  atomic, durable step; shredding again changes nothing and says so;
* nothing else ever deletes a key.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

import attrs

from gdprcrm.errors import DuplicateKey, InvalidInput, KeyShredded
from gdprcrm.model import SubjectId
from gdprcrm.model._checks import as_utc, aware, check_aware, collection_of

__all__ = ["KeyStore", "MemoryKeyStore", "Rewrap", "Secret", "Tombstone", "WrappedKey"]


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


def _subject(value: object, what: str) -> SubjectId:
    if not isinstance(value, SubjectId):
        raise InvalidInput(f"{what}: expected a SubjectId (use SubjectId.parse for text)")
    return value


def _version(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(f"{what}: expected a key version >= 1")
    return value


Rewrap = Callable[[bytes, int, str, bytes], bytes]
"""(subject id bytes, key version, current KEK id, wrapped key) -> the key wrapped anew."""


class KeyStore(abc.ABC):
    """The vault's persistence port. Implementations must be safe to share across threads.

    The public methods check their arguments and then call a ``_``-prefixed hook that an
    implementation writes (the shape of the storage ports): a hook never sees a subject
    id that is not a :class:`SubjectId`, a naive instant or a malformed key. Bad input
    raises :class:`~gdprcrm.errors.InvalidInput` and changes nothing.
    """

    def get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        """One version of the subject's key, or None."""
        return self._get(_subject(subject_id, "keys.get"), _version(version, "keys.get"))

    def get_wrapped(self, subject_id: SubjectId, version: int) -> tuple[str, bytes] | None:
        """(KEK id, wrapped bytes) of one version of the subject's key, or None: what the
        vault's cold read needs, without building a :class:`WrappedKey` (P4). A store may
        override ``_get_wrapped`` to read only those two columns."""
        return self._get_wrapped(
            _subject(subject_id, "keys.get_wrapped"), _version(version, "keys.get_wrapped")
        )

    def _get_wrapped(self, subject_id: SubjectId, version: int) -> tuple[str, bytes] | None:
        key = self._get(subject_id, version)
        return None if key is None else (key.kek_id, key.wrapped)

    def latest(self, subject_id: SubjectId) -> WrappedKey | None:
        """The highest version of the subject's key, or None."""
        return self._latest(_subject(subject_id, "keys.latest"))

    def put(self, key: WrappedKey) -> None:
        """Add a key; KeyShredded after a shred, DuplicateKey if the version exists."""
        if not isinstance(key, WrappedKey):
            raise InvalidInput("keys.put: expected a WrappedKey")
        _subject(key.subject_id, "keys.put")
        _version(key.version, "keys.put")
        self._put(key)

    def put_many(self, keys: Sequence[WrappedKey]) -> None:
        """:meth:`put` each key; a store may do it in one transaction (the SQL stores do:
        a new subject's key and its scopes' keys cost one durable commit). On an error
        (KeyShredded, DuplicateKey) a store that batches keeps none of them."""
        items = collection_of(keys, WrappedKey, "keys.put_many")
        for key in items:
            _subject(key.subject_id, "keys.put_many")
            _version(key.version, "keys.put_many")
        if items:
            self._put_many(items)

    def _put_many(self, keys: Sequence[WrappedKey]) -> None:
        """One :meth:`_put` after another; override to do it in one transaction."""
        for key in keys:
            self._put(key)

    def shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        """Destroy every version and record the tombstone, atomically and durably.

        Returns the tombstone and True, or the existing tombstone and False when the
        subject was already shredded.
        """
        sid = _subject(subject_id, "keys.shred")
        return self._shred(sid, check_aware(at, "keys.shred(at)"))

    def shred_many(
        self, subject_ids: Iterable[SubjectId], at: datetime
    ) -> list[tuple[Tombstone, bool]]:
        """:meth:`shred` each id (subjects or key scopes), in order; a store may do it in
        one transaction and one flush (the SQL stores do). Each is durable on return."""
        what = "keys.shred_many"
        ids = [_subject(s, what) for s in collection_of(subject_ids, object, what)]
        return self._shred_many(ids, check_aware(at, "keys.shred_many(at)")) if ids else []

    def _shred_many(
        self, subject_ids: Sequence[SubjectId], at: datetime
    ) -> list[tuple[Tombstone, bool]]:
        """One :meth:`_shred` after another; override to do it in one transaction."""
        return [self._shred(s, at) for s in subject_ids]

    def tombstone(self, subject_id: SubjectId) -> Tombstone | None:
        return self._tombstone(_subject(subject_id, "keys.tombstone"))

    def tombstones(self) -> Iterator[Tombstone]:
        """Every tombstone, to be kept apart and replayed after a key-store restore."""
        return self._tombstones()

    def restore_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        """Replay tombstones: destroy any key they name, record them; returns how many
        subjects this destroyed keys for or newly recorded."""
        stones = collection_of(tombstones, Tombstone, "keys.restore_tombstones")
        return self._restore_tombstones(stones) if stones else 0

    def key_batches(self, batch_size: int = 1000) -> Iterator[list[WrappedKey]]:
        """Every wrapped key, in batches (for KEK rotation)."""
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise InvalidInput("keys.key_batches(batch_size): expected an integer >= 1")
        return self._key_batches(batch_size)

    def rewrap(self, keys: Sequence[WrappedKey]) -> int:
        """Replace the wrapping of existing keys (same subject and version) atomically;
        keys shredded meanwhile are skipped. Returns how many were replaced."""
        items = collection_of(keys, WrappedKey, "keys.rewrap")
        return self._rewrap(items) if items else 0

    def rewrap_all(self, rewrap: Rewrap, new_kek_id: str, *, batch_size: int = 1000) -> int:
        """Rewrap every key not yet wrapped by ``new_kek_id`` (KEK rotation), batch by
        batch, each batch in one transaction: ``rewrap(subject, version, kek_id,
        wrapped)`` (raw bytes, no records built: P13) returns the key wrapped anew. A key
        shredded meanwhile is skipped; one rewrapped meanwhile by another process keeps
        that process's wrapping. If ``rewrap`` raises, the batch it was in is not
        written. Returns how many keys were replaced."""
        if not isinstance(new_kek_id, str) or not new_kek_id:
            raise InvalidInput("keys.rewrap_all: expected the new KEK's id")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise InvalidInput("keys.rewrap_all(batch_size): expected an integer >= 1")
        if not callable(rewrap):
            raise InvalidInput("keys.rewrap_all: expected a rewrap function")
        return self._rewrap_all(rewrap, new_kek_id, batch_size)

    def _rewrap_all(self, rewrap: Rewrap, new_kek_id: str, batch_size: int) -> int:
        """Through :meth:`_key_batches` and :meth:`_rewrap`; SQL stores override it to
        move raw rows instead of records."""
        done = 0
        for batch in self._key_batches(batch_size):
            moved = [
                WrappedKey(
                    k.subject_id,
                    k.version,
                    new_kek_id,
                    rewrap(k.subject_id.bytes, k.version, k.kek_id, k.wrapped),
                    k.kcv,
                    k.created_at,
                )
                for k in batch
                if k.kek_id != new_kek_id
            ]
            if moved:
                done += self._rewrap(moved)
        return done

    def get_secret(self, name: str) -> Secret | None:
        if not isinstance(name, str) or not name:
            raise InvalidInput("keys.get_secret: expected a secret name")
        return self._get_secret(name)

    def put_secret(self, secret: Secret, *, replace: bool = False) -> None:
        """Store a controller-wide secret; DuplicateKey if it exists (unless ``replace``)."""
        if not isinstance(secret, Secret):
            raise InvalidInput("keys.put_secret: expected a Secret")
        self._put_secret(secret, replace=bool(replace))

    def close(self) -> None:  # noqa: B027 - optional: most stores hold nothing to release
        """Release what the store holds."""

    def in_caller_transaction(self) -> bool:
        """True while this store's reads and writes run inside a transaction of the
        caller's that may still roll back (PostgreSQL sharing one connection with an open
        unit of work): the vault then caches nothing it reads or writes, since a key row
        rolled back must not survive in a cache. False (the default) for stores whose
        every operation commits on its own."""
        return False

    @abc.abstractmethod
    def _get(self, subject_id: SubjectId, version: int) -> WrappedKey | None: ...

    @abc.abstractmethod
    def _latest(self, subject_id: SubjectId) -> WrappedKey | None: ...

    @abc.abstractmethod
    def _put(self, key: WrappedKey) -> None:
        """Insert; KeyShredded if the subject has a tombstone, DuplicateKey if it exists."""

    @abc.abstractmethod
    def _shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]: ...

    @abc.abstractmethod
    def _tombstone(self, subject_id: SubjectId) -> Tombstone | None: ...

    @abc.abstractmethod
    def _tombstones(self) -> Iterator[Tombstone]: ...

    @abc.abstractmethod
    def _restore_tombstones(self, tombstones: Sequence[Tombstone]) -> int: ...

    @abc.abstractmethod
    def _key_batches(self, batch_size: int) -> Iterator[list[WrappedKey]]: ...

    @abc.abstractmethod
    def _rewrap(self, keys: Sequence[WrappedKey]) -> int: ...

    @abc.abstractmethod
    def _get_secret(self, name: str) -> Secret | None: ...

    @abc.abstractmethod
    def _put_secret(self, secret: Secret, *, replace: bool) -> None: ...


class MemoryKeyStore(KeyStore):
    """A key store in a dict: for tests, and as the reference the others must match."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._keys: dict[SubjectId, dict[int, WrappedKey]] = {}
        self._stones: dict[SubjectId, Tombstone] = {}
        self._secrets: dict[str, Secret] = {}

    def _get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        versions = self._keys.get(subject_id)
        return None if versions is None else versions.get(version)

    def _latest(self, subject_id: SubjectId) -> WrappedKey | None:
        with self._lock:
            versions = self._keys.get(subject_id)
            return versions[max(versions)] if versions else None

    def _put(self, key: WrappedKey) -> None:
        with self._lock:
            if key.subject_id in self._stones:
                raise KeyShredded(f"subject {key.subject_id}: keys were shredded; refused")
            versions = self._keys.setdefault(key.subject_id, {})
            if key.version in versions:
                raise DuplicateKey(f"subject {key.subject_id}: key version exists")
            versions[key.version] = key

    def _shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        with self._lock:
            existing = self._stones.get(subject_id)
            if existing is not None:
                return existing, False
            versions = self._keys.pop(subject_id, {})
            stone = Tombstone(
                subject_id, at, tuple((v, k.kcv) for v, k in sorted(versions.items()))
            )
            self._stones[subject_id] = stone
            return stone, True

    def _tombstone(self, subject_id: SubjectId) -> Tombstone | None:
        return self._stones.get(subject_id)

    def _tombstones(self) -> Iterator[Tombstone]:
        with self._lock:
            return iter(list(self._stones.values()))

    def _restore_tombstones(self, tombstones: Sequence[Tombstone]) -> int:
        count = 0
        with self._lock:
            for stone in tombstones:
                had_keys = self._keys.pop(stone.subject_id, None)
                if stone.subject_id not in self._stones:
                    self._stones[stone.subject_id] = stone
                    count += 1
                elif had_keys:
                    count += 1
        return count

    def _key_batches(self, batch_size: int) -> Iterator[list[WrappedKey]]:
        with self._lock:
            keys = [k for versions in self._keys.values() for k in versions.values()]
        for start in range(0, len(keys), batch_size):
            yield keys[start : start + batch_size]

    def _rewrap(self, keys: Sequence[WrappedKey]) -> int:
        done = 0
        with self._lock:
            for key in keys:
                versions = self._keys.get(key.subject_id)
                if versions is not None and key.version in versions:
                    versions[key.version] = key
                    done += 1
        return done

    def _get_secret(self, name: str) -> Secret | None:
        return self._secrets.get(name)

    def _put_secret(self, secret: Secret, *, replace: bool) -> None:
        with self._lock:
            if not replace and secret.name in self._secrets:
                raise DuplicateKey(f"secret {secret.name!r} exists")
            self._secrets[secret.name] = secret

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"MemoryKeyStore({len(self._keys)} subjects, {len(self._stones)} tombstones)"

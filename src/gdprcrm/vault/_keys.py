"""Loading, creating and forgetting a subject's keys: the vault's cold path (P4).

:class:`KeyLoading` is the half of :class:`~gdprcrm.vault.KeyVault` that talks to the
key store for keys: unwrap a version into the cache (:meth:`KeyLoading._load_version`),
create a subject's first key, refuse to wrap under a KEK another process rotated away
from, and keep a load racing with a shred from putting an erased key back
(:meth:`KeyLoading._remember` under the lock, against the shred epoch).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gdprcrm.clock import Clock
from gdprcrm.errors import (
    DecryptionError,
    DuplicateKey,
    InvalidInput,
    KeyShredded,
    KeyStoreError,
    SubjectErased,
)
from gdprcrm.model import SubjectId
from gdprcrm.vault import hazmat
from gdprcrm.vault._cache import Entry, oldest
from gdprcrm.vault.kek import Kek
from gdprcrm.vault.keystore import KeyStore, Secret, WrappedKey

__all__ = ["INDEX_SECRET", "KEK_IN_USE", "NO_SUBJECT", "KeyLoading"]

INDEX_SECRET = "blind-index-key"  # noqa: S105 - the name of a stored secret, not one
KEK_IN_USE = "kek-in-use"
"""A stored marker naming the KEK new keys must be wrapped by (its ``wrapped`` is 32 zero
bytes wrapped by it, which proves the KEK without revealing anything)."""
NO_SUBJECT = bytes(16)


class KeyLoading:
    """The key-loading half of :class:`~gdprcrm.vault.KeyVault` (which see)."""

    _store: KeyStore
    _kek: Kek
    _keks: dict[str, Kek]
    _clock: Clock
    _cache_size: int
    _lock: threading.Lock
    _subjects: dict[bytes, Entry]
    _fields: dict[str, bytes]
    _shred_epoch: int
    _recent_shreds: deque[tuple[int, bytes]]

    if TYPE_CHECKING:  # written by ScopedKeys, the subclass KeyVault is built on

        def _drop_scoped(self, sid: bytes) -> None: ...
        def _drop_scope(self, scope_bytes: bytes) -> None: ...

    def _forget(self, subject_ids: Iterable[SubjectId]) -> None:
        """Drop the shredded subjects' (or scopes') keys from the cache and record the
        shreds, so that a load racing with them cannot put a key back (one lock)."""
        with self._lock:
            for subject_id in subject_ids:
                sid = subject_id.bytes
                self._shred_epoch += 1
                self._recent_shreds.append((self._shred_epoch, sid))
                self._subjects.pop(sid, None)
                self._drop_scoped(sid)
                self._drop_scope(sid)  # a replayed tombstone may name a scope

    def _shredded_since(self, epoch: int, sid: bytes) -> bool:
        """Under the lock: was ``sid`` shredded after ``epoch``?"""
        if self._shred_epoch == epoch:
            return False
        recent = self._recent_shreds
        if recent and recent[0][0] > epoch + 1:
            # Too many shreds since: the record is incomplete, ask the store.
            return self._store.tombstone(SubjectId.parse(sid.hex())) is not None
        return any(s == sid for e, s in recent if e > epoch)

    def _remember(
        self, subject_id: SubjectId, version: int, aead: AESGCM, epoch: int, *, current: bool
    ) -> Entry:
        sid = subject_id.bytes
        durable = not self._store.in_caller_transaction()
        with self._lock:
            if self._shredded_since(epoch, sid):
                raise SubjectErased(f"subject {subject_id} was erased")
            entry = self._subjects.get(sid) if durable else None
            if entry is None:
                entry = Entry()
                # A key read or written inside a transaction the caller may still roll
                # back is used for this call only: cached, it could outlive its row.
                if durable:
                    self._subjects[sid] = entry
                    if len(self._subjects) > self._cache_size:
                        for old in oldest(self._subjects, self._cache_size):
                            del self._subjects[old]
            if current:
                entry.set_current(version, aead)
            else:
                entry.versions[version] = aead
            return entry

    def _load_current(self, subject_id: SubjectId, *, retried: bool = False) -> Entry:
        epoch = self._shred_epoch
        wrapped = self._store.latest(subject_id)
        if wrapped is None:
            if self._store.tombstone(subject_id) is not None:
                raise SubjectErased(f"subject {subject_id} was erased")
            key, new = self._new_key(subject_id, 1)
            try:
                self._store.put(new)
            except KeyShredded:
                raise SubjectErased(f"subject {subject_id} was erased") from None
            except DuplicateKey:
                # Created meanwhile by another thread or process: read theirs, once. A
                # store that keeps answering "duplicate" yet holds no key is broken.
                if retried:
                    raise KeyStoreError(
                        f"subject {subject_id}: the key store reports a key it cannot return"
                    ) from None
                return self._load_current(subject_id, retried=True)
            return self._remember(subject_id, 1, AESGCM(key), epoch, current=True)
        aead = AESGCM(self._unwrap(wrapped))
        return self._remember(subject_id, wrapped.version, aead, epoch, current=True)

    def _load_version(self, subject_id: SubjectId, version: int) -> AESGCM:
        epoch = self._shred_epoch
        found = self._store.get_wrapped(subject_id, version)
        if found is None:
            if self._store.tombstone(subject_id) is not None:
                raise SubjectErased(f"subject {subject_id} was erased")
            raise DecryptionError("cannot decrypt")
        kek_id, wrapped = found
        kek = self._kek_for(kek_id)
        aead = AESGCM(hazmat.unwrap_key(kek.aead, wrapped, subject_id.bytes, version, kek_id))
        self._remember(subject_id, version, aead, epoch, current=False)
        return aead

    def _check_kek_in_use(self) -> None:
        """Refuse to wrap a new key under a KEK another process has rotated away from:
        restarted with only the new KEK, that process could never unwrap it again."""
        marker = self._store.get_secret(KEK_IN_USE)
        if marker is not None and marker.kek_id != self._kek.id:
            raise KeyStoreError(
                f"the key store's KEK was rotated to {marker.kek_id} by another process; "
                "restart with the new KEK (this vault holds an older one)"
            )

    def _new_key(
        self, subject_id: SubjectId, version: int, *, check_kek: bool = True
    ) -> tuple[bytes, WrappedKey]:
        if check_kek:  # a new key is rare (first write, rotation): one read
            self._check_kek_in_use()
        key = hazmat.new_data_key()
        kek = self._kek
        wrapped = WrappedKey(
            subject_id=subject_id,
            version=version,
            kek_id=kek.id,
            wrapped=hazmat.wrap_key(kek.aead, key, subject_id.bytes, version, kek.id),
            kcv=hazmat.key_check_value(key),
            created_at=self._clock.now(),
        )
        return key, wrapped

    def _kek_for(self, kek_id: str) -> Kek:
        kek = self._keks.get(kek_id)
        if kek is None:
            raise DecryptionError("cannot decrypt")
        return kek

    def _unwrap(self, wrapped: WrappedKey) -> bytes:
        kek = self._kek_for(wrapped.kek_id)
        return hazmat.unwrap_key(
            kek.aead, wrapped.wrapped, wrapped.subject_id.bytes, wrapped.version, wrapped.kek_id
        )

    def _unwrap_secret(self, secret: Secret) -> bytes:
        kek = self._kek_for(secret.kek_id)
        return hazmat.unwrap_key(kek.aead, secret.wrapped, NO_SUBJECT, 0, secret.kek_id)

    def _index_key(self) -> bytes:
        secret = self._store.get_secret(INDEX_SECRET)
        if secret is None:
            key = hazmat.new_data_key()
            wrapped = hazmat.wrap_key(self._kek.aead, key, NO_SUBJECT, 0, self._kek.id)
            try:
                self._store.put_secret(Secret(INDEX_SECRET, self._kek.id, wrapped))
                return key
            except DuplicateKey:  # created meanwhile by another thread or process
                secret = self._store.get_secret(INDEX_SECRET)
                if secret is None:
                    raise KeyStoreError(
                        "the key store reports a blind-index key it cannot return"
                    ) from None
        if secret.kek_id not in self._keks:
            raise KeyStoreError(
                f"this key store's keys are wrapped by {secret.kek_id}, a KEK this vault was "
                "not given (pass it as kek, or in previous_keks during a rotation)"
            )
        return self._unwrap_secret(secret)

    def _field_part(self, field: str) -> bytes:
        if not isinstance(field, str) or not field:
            raise InvalidInput("field names are non-empty text")
        part = hazmat.aad_part(field.encode(), "field name")
        if len(self._fields) < 10_000:
            self._fields[field] = part
        return part

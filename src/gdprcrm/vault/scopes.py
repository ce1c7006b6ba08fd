"""Key scopes (Art. 17, 5(1)(e)): erasing part of a subject's data by destroying a key.

A scope is a record, or a group of a subject's values that share one fate (the same
retention, the same hold). It has its own random key, stored wrapped in the key store
under the scope's id like a subject's; its values are encrypted under
:func:`~gdprcrm.vault.hazmat.derive_scope_key` of that key and the subject's. So:

* :meth:`ScopedKeys.shred_scopes` destroys a scope's key: every copy of its values, in
  any backup of the data store, is unreadable; the subject's other data is not touched;
* :meth:`KeyVault.shred` destroys the subject's key: every scope with it, at one key's
  cost however many records the subject has.

The scope id travels in the envelope's header (format version 2), so reading a value
never needs to be told its scope, and an erasure can find the scopes to destroy from
the stored envelopes without decrypting anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gdprcrm.errors import (
    DecryptionError,
    DuplicateKey,
    InvalidInput,
    KeyShredded,
    KeyStoreError,
    ScopeErased,
    SubjectErased,
)
from gdprcrm.model import SubjectId
from gdprcrm.model._checks import collection_of
from gdprcrm.vault import hazmat
from gdprcrm.vault._cache import oldest
from gdprcrm.vault._inputs import Context, context_part, subject_bytes
from gdprcrm.vault._keys import KeyLoading
from gdprcrm.vault.certificate import CertificateSigner, ErasureCertificate, sign_certificate
from gdprcrm.vault.keystore import Tombstone, WrappedKey

__all__ = ["ScopedKeys"]

_TEXT = hazmat.TYPE_TEXT
_BYTES = hazmat.TYPE_BYTES
_EMPTY_CONTEXT = b"\x00\x00"
_seal = hazmat.seal_envelope
_VERSION_1 = (1).to_bytes(4, "big")


class ScopedKeys(KeyLoading):
    """The key-scope half of :class:`~gdprcrm.vault.KeyVault` (which see)."""

    _signer: CertificateSigner
    _scoped: dict[bytes, dict[bytes, AESGCM]]
    """subject id -> (scope id + subject key version) -> the scope's ready AEAD."""
    _scope_owner: dict[bytes, bytes]
    """scope id -> subject id, for the scopes in ``_scoped``."""

    def encrypt_scoped(
        self,
        subject_id: SubjectId,
        scope: uuid.UUID,
        field: str,
        value: str | bytes,
        context: Context = None,
    ) -> bytes:
        """Encrypt ``value`` in one of the subject's key scopes (a record, a group of values
        that share one fate): :meth:`shred_scopes` erases the scope alone, :meth:`shred`
        every scope of the subject. :meth:`decrypt` opens it like any envelope.

        Raises SubjectErased after the subject's shred, ScopeErased after the scope's.
        """
        sid = subject_bytes(subject_id)
        scope_bytes = _scope_bytes(scope)
        tail = self._sealable(sid, field, value, context)  # before any key is made
        entry = self._subjects.get(sid)
        sealer = None if entry is None else entry.current
        if sealer is None:
            sealer = self._load_current(subject_id).current
            assert sealer is not None
        version = sealer.version
        aead = self._scope_aead(subject_id, scope_bytes, version, create=True)
        if isinstance(value, str):
            data, value_type = value.encode(), _TEXT
        else:  # bytes: checked above
            data, value_type = value, _BYTES
        head = hazmat.scoped_header(value_type, version, scope_bytes)
        return _seal(aead, head, data, tail)

    def prepare_scopes(self, subject_id: SubjectId, scopes: Iterable[uuid.UUID]) -> int:
        """Create, in one key-store transaction, the subject's key (if it has none yet) and
        the keys of those ``scopes`` that do not exist: a new person's values in several
        scopes then cost one durable commit, not one per scope. Returns how many keys it
        created. Optional: :meth:`encrypt_scoped` creates a missing key on its own."""
        sid = subject_bytes(subject_id)
        chosen = _scopes(scopes, "prepare_scopes: scopes")
        epoch = self._shred_epoch
        self._check_kek_in_use()  # once for the batch, not once per key
        wanted: list[WrappedKey] = []
        root_raw: bytes | None = None
        if sid not in self._subjects and self._store.latest(subject_id) is None:
            if self._store.tombstone(subject_id) is not None:
                raise SubjectErased(f"subject {subject_id} was erased")
            root_raw, root_key = self._new_key(subject_id, 1, check_kek=False)
            wanted.append(root_key)
        fresh: list[tuple[bytes, bytes]] = []
        per = self._scoped.get(sid, {})
        for scope_bytes in chosen:
            if any(slot.startswith(scope_bytes) for slot in per):
                continue
            scope_id = SubjectId(uuid.UUID(bytes=scope_bytes))
            # A new person's scopes are new (ids drawn for them): no read per scope. One
            # that exists after all makes put_many refuse the batch, and encrypt_scoped
            # then goes key by key, as for any scope created meanwhile.
            if root_raw is not None or self._store.latest(scope_id) is None:
                raw, key = self._new_key(scope_id, 1, check_kek=False)
                wanted.append(key)
                fresh.append((scope_bytes, raw))
        if not wanted:
            return 0
        try:
            self._store.put_many(wanted)
        except (DuplicateKey, KeyShredded):
            return 0  # created meanwhile, or erased: encrypt_scoped says which, key by key
        if root_raw is not None:  # a new person: their ready keys, without reading them back
            self._remember(subject_id, 1, AESGCM(root_raw), epoch, current=True)
            if not self._store.in_caller_transaction():
                with self._lock:
                    if not self._shredded_since(epoch, sid):
                        cached = self._scoped.setdefault(sid, {})
                        for scope_bytes, raw in fresh:
                            derived = hazmat.derive_scope_key(root_raw, raw, sid, scope_bytes)
                            cached[scope_bytes + _VERSION_1] = AESGCM(derived)
                            self._scope_owner[scope_bytes] = sid
        return len(wanted)

    def scope_of(self, envelope: bytes) -> uuid.UUID | None:
        """The key scope an envelope was encrypted in (None: the subject's own key).
        Reads the header only: no key is needed."""
        parsed = hazmat.parse_scoped_header(envelope)
        return None if parsed is None else uuid.UUID(bytes=parsed[2])

    def shred_scopes(
        self, subject_id: SubjectId, scopes: Iterable[uuid.UUID]
    ) -> tuple[ErasureCertificate, tuple[Tombstone, ...]]:
        """Destroy the keys of some of the subject's scopes; the subject's own key and its
        other scopes stay. Returns a signed certificate naming the scopes (opaque ids) and
        the tombstones, for the data store's copy (:meth:`replay_tombstones` after a
        key-store restore). Shredding a scope again changes nothing and says so."""
        return self.shred_scopes_many([(subject_id, scopes)])[0]

    def shred_scopes_many(
        self, requests: Iterable[tuple[SubjectId, Iterable[uuid.UUID]]]
    ) -> list[tuple[ErasureCertificate, tuple[Tombstone, ...]]]:
        """:meth:`shred_scopes` for several subjects (a sweep's batch of expired purposes),
        in one key-store transaction and one flush; one signed certificate per subject,
        in order. Every request is checked before anything is destroyed: a subject with
        no scope, or a scope named for two subjects, is refused (``InvalidInput``)."""
        chosen: list[tuple[SubjectId, list[bytes]]] = []
        seen: set[bytes] = set()
        for request in collection_of(requests, tuple, "shred_scopes_many: requests"):
            if len(request) != 2:
                raise InvalidInput("shred_scopes_many: expected (subject id, scopes) pairs")
            subject_id, scopes = request
            subject_bytes(subject_id)
            mine = _scopes(scopes, "shred_scopes: scopes")
            if not mine:
                raise InvalidInput("shred_scopes: name at least one scope")
            if not seen.isdisjoint(mine):
                raise InvalidInput("shred_scopes_many: a scope belongs to one subject")
            seen.update(mine)
            chosen.append((subject_id, mine))
        if not chosen:
            return []
        shredded = iter(
            self._store.shred_many(
                [SubjectId(uuid.UUID(bytes=b)) for _, mine in chosen for b in mine],
                self._clock.now(),
            )
        )  # one transaction and one flush on the SQL stores, however many scopes
        for scope_bytes in seen:
            self._forget_scope(scope_bytes)
        issued = self._clock.now()
        out = []
        for subject_id, mine in chosen:
            pairs = [next(shredded) for _ in mine]
            stones = tuple(stone for stone, _ in pairs)
            cert = ErasureCertificate(
                certificate_id=uuid.uuid4(),
                subject_id=subject_id,
                shredded_at=max(s.shredded_at for s in stones),
                issued_at=issued,
                destroyed=tuple((v, kcv.hex()) for s in stones for v, kcv in s.destroyed),
                signer_id=self._signer.signer_id,
                already_shredded=not any(fresh for _, fresh in pairs),
                scopes=tuple(str(uuid.UUID(bytes=b)) for b in mine),
            )
            out.append((sign_certificate(cert, self._signer), stones))
        return out

    def _decrypt_scoped(
        self, subject_id: SubjectId, field: str, envelope: bytes, context: Context
    ) -> str | bytes:
        parsed = hazmat.parse_scoped_header(envelope)
        assert parsed is not None
        value_type, version, scope_bytes = parsed
        sid = subject_bytes(subject_id)
        per = self._scoped.get(sid)
        aead = None if per is None else per.get(scope_bytes + version.to_bytes(4, "big"))
        if aead is None:
            aead = self._scope_aead(subject_id, scope_bytes, version, create=False)
        plain = hazmat.open_envelope(aead, envelope, self._tail(sid, field, context))
        if value_type == _TEXT:
            try:
                return plain.decode()
            except UnicodeDecodeError:  # pragma: no cover - authenticated, so impossible
                raise DecryptionError("cannot decrypt") from None
        return plain

    def _scope_aead(
        self, subject_id: SubjectId, scope_bytes: bytes, version: int, *, create: bool
    ) -> AESGCM:
        """The AEAD of (subject key ``version``, scope), from the cache or the store."""
        sid = subject_id.bytes
        slot = scope_bytes + version.to_bytes(4, "big")
        per = self._scoped.get(sid)
        if per is not None and slot in per:
            return per[slot]
        epoch = self._shred_epoch
        root = self._store.get(subject_id, version)
        if root is None:
            if self._store.tombstone(subject_id) is not None:
                raise SubjectErased(f"subject {subject_id} was erased")
            raise DecryptionError("cannot decrypt")
        scope_raw = self._scope_key(SubjectId(uuid.UUID(bytes=scope_bytes)), create=create)
        raw = hazmat.derive_scope_key(self._unwrap(root), scope_raw, sid, scope_bytes)
        aead = AESGCM(raw)
        durable = not self._store.in_caller_transaction()
        with self._lock:
            if self._shredded_since(epoch, sid):
                raise SubjectErased(f"subject {subject_id} was erased")
            if self._shredded_since(epoch, scope_bytes):
                raise ScopeErased(f"a key scope of subject {subject_id} was erased")
            if durable:
                self._scoped.setdefault(sid, {})[slot] = aead
                self._scope_owner[scope_bytes] = sid
                if len(self._scoped) > self._cache_size:
                    for old in oldest(self._scoped, self._cache_size):
                        self._drop_scoped(old)
        return aead

    def _drop_scoped(self, sid: bytes) -> None:
        """Under the lock: forget every cached scope of one subject."""
        for slot in self._scoped.pop(sid, {}):
            self._scope_owner.pop(slot[:16], None)

    def _scope_key(self, scope_id: SubjectId, *, create: bool) -> bytes:
        """A scope's raw key (stored like a subject's, under the scope's id)."""
        wrapped = self._store.latest(scope_id)
        if wrapped is not None:
            return self._unwrap(wrapped)
        if self._store.tombstone(scope_id) is not None:
            raise ScopeErased(f"key scope {scope_id} was erased")
        if not create:
            raise DecryptionError("cannot decrypt")
        key, new = self._new_key(scope_id, 1)
        try:
            self._store.put(new)
        except KeyShredded:
            raise ScopeErased(f"key scope {scope_id} was erased") from None
        except DuplicateKey:  # created meanwhile by another thread or process
            again = self._store.latest(scope_id)
            if again is None:
                raise KeyStoreError(
                    f"key scope {scope_id}: the key store reports a key it cannot return"
                ) from None
            return self._unwrap(again)
        return key

    def _sealable(self, sid: bytes, field: str, value: object, context: Context) -> bytes:
        """The associated data's tail, once the value, the field name and the context are
        checked: called before a key is created for a value, so that bad input leaves
        the key store as it was."""
        if value.__class__ is not str and not isinstance(value, bytes):
            raise InvalidInput("vault values are str or bytes")
        return self._tail(sid, field, context)

    def _tail(self, sid: bytes, field: str, context: Context) -> bytes:
        try:
            field_part = self._fields.get(field)
        except TypeError:  # unhashable: _field_part says what a field name is
            field_part = None
        if field_part is None:
            field_part = self._field_part(field)
        return sid + field_part + (_EMPTY_CONTEXT if context is None else context_part(context))

    def _forget_scope(self, scope_bytes: bytes) -> None:
        with self._lock:
            self._shred_epoch += 1
            self._recent_shreds.append((self._shred_epoch, scope_bytes))
            self._drop_scope(scope_bytes)

    def _drop_scope(self, scope_bytes: bytes) -> None:
        """Under the lock: forget one scope's cached keys."""
        owner = self._scope_owner.pop(scope_bytes, None)
        per = None if owner is None else self._scoped.get(owner)
        if per is not None:
            for slot in [s for s in per if s.startswith(scope_bytes)]:
                del per[slot]


def _scopes(scopes: object, what: str) -> list[bytes]:
    """Each key scope named once, as bytes, in order."""
    return sorted({_scope_bytes(s) for s in collection_of(scopes, object, what)})


def _scope_bytes(scope: object) -> bytes:
    if not isinstance(scope, uuid.UUID):
        raise InvalidInput("a key scope is a uuid.UUID (e.g. a RecordId's value)")
    return scope.bytes

"""KeyVault: per-subject keys, field encryption, crypto-shredding (Art. 17, 32).

Each data subject gets a random AES-256 data key, stored only wrapped by the
key-encryption key (KEK). Every personal value is encrypted under its subject's key,
bound to the subject, the field and an optional record context. Destroying the key
(:meth:`KeyVault.shred`) makes every copy of that person's data unreadable wherever it
lies, backups included, and yields a signed :class:`ErasureCertificate`.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from collections import deque
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gdprcrm.clock import Clock, SystemClock
from gdprcrm.contact_points import DEFAULT_REGION
from gdprcrm.errors import (
    DecryptionError,
    DuplicateKey,
    InvalidInput,
    KeyShredded,
    KeyStoreError,
    SubjectErased,
)
from gdprcrm.model import Lookup, SubjectId
from gdprcrm.vault import hazmat
from gdprcrm.vault._inputs import Context, context_part, not_a_subject_id
from gdprcrm.vault.blind_index import BlindIndex
from gdprcrm.vault.certificate import CertificateSigner, ErasureCertificate, sign_certificate
from gdprcrm.vault.kek import Kek, KekSource
from gdprcrm.vault.keystore import KeyStore, Secret, Tombstone, WrappedKey
from gdprcrm.vault.scopes import ScopedKeys

__all__ = ["Context", "KeyVault"]


_INDEX_SECRET = "blind-index-key"  # noqa: S105 - the name of a stored secret, not one
_KEK_IN_USE = "kek-in-use"
"""A stored marker naming the KEK new keys must be wrapped by (its ``wrapped`` is 32 zero
bytes wrapped by it, which proves the KEK without revealing anything)."""
_NO_SUBJECT = bytes(16)
_EMPTY_CONTEXT = b"\x00\x00"
_TEXT = hazmat.TYPE_TEXT
_BYTES = hazmat.TYPE_BYTES
_HS = hazmat.HEADER_SIZE
_MIN = hazmat.OVERHEAD
_seal = hazmat.seal_envelope
_BODY = hazmat.HEADER_SIZE + hazmat.NONCE_SIZE
_LARGE = 4096
_V2 = hazmat.FORMAT_V2


class _Entry:
    """The ready AEAD objects of one subject (cached)."""

    __slots__ = ("bytes_head", "current", "current_version", "text_head", "versions")

    def __init__(self) -> None:
        self.versions: dict[int, AESGCM] = {}
        self.current: AESGCM | None = None
        self.current_version = 0
        self.text_head = b""
        self.bytes_head = b""

    def set_current(self, version: int, aead: AESGCM) -> None:
        self.versions[version] = aead
        self.current = aead
        self.current_version = version
        self.text_head = hazmat.header(_TEXT, version)
        self.bytes_head = hazmat.header(_BYTES, version)


def _as_kek(source: KekSource | Kek) -> Kek:
    return source if isinstance(source, Kek) else source.load()


class KeyVault(ScopedKeys):
    """Encrypt, decrypt and shred personal data, one key per data subject.

    Thread-safe: share one vault between threads. Ready AEAD objects are cached (up to
    ``cache_size`` subjects) so the hot path never unwraps a key or builds a cipher; a
    shred evicts the subject under the cache lock, and a load racing with a shred can
    never put the key back.

    In a multi-process deployment each process has its own cache: call
    :meth:`evict` (or :meth:`replay_tombstones`) in the others after a shred, or they
    may keep decrypting from their cache until the entry ages out.
    """

    def __init__(
        self,
        store: KeyStore,
        kek: KekSource | Kek,
        *,
        signer: CertificateSigner,
        clock: Clock | None = None,
        previous_keks: Iterable[KekSource | Kek] = (),
        cache_size: int = 4096,
        default_region: str = DEFAULT_REGION,
    ) -> None:
        if not isinstance(signer, CertificateSigner):
            raise InvalidInput("KeyVault needs a CertificateSigner to sign erasure certificates")
        if cache_size < 1:
            raise InvalidInput("cache_size must be at least 1")
        self._store = store
        self._kek = _as_kek(kek)
        self._keks = {k.id: k for k in (*map(_as_kek, previous_keks), self._kek)}
        self._signer = signer
        self._clock = clock if clock is not None else SystemClock()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._subjects: dict[bytes, _Entry] = {}
        self._scoped: dict[bytes, dict[bytes, AESGCM]] = {}
        """subject id -> (scope id + subject key version) -> the scope's ready AEAD."""
        self._scope_owner: dict[bytes, bytes] = {}
        """scope id -> subject id, for the scopes in ``_scoped``."""
        self._fields: dict[str, bytes] = {}
        self._heads: dict[bytes, tuple[int, int]] = {}
        self._shred_epoch = 0
        self._recent_shreds: deque[tuple[int, bytes]] = deque(maxlen=4096)
        index_key = self._index_key()
        self._index = BlindIndex(index_key, default_region=default_region)
        self._token_key = hmac.new(index_key, b"gdprcrm token key v1", hashlib.sha256).digest()

    # -- encryption ------------------------------------------------------------------

    def encrypt(
        self, subject_id: SubjectId, field: str, value: str | bytes, context: Context = None
    ) -> bytes:
        """Encrypt ``value`` for ``subject_id``'s ``field`` (and record ``context``).

        The subject's key is created on first use. Raises SubjectErased after a shred.
        """
        try:
            sid = subject_id._bytes
        except AttributeError:  # free on the hot path: only bad input pays
            raise not_a_subject_id(subject_id) from None
        entry = self._subjects.get(sid)
        aead = None if entry is None else entry.current
        if aead is None:
            entry = self._load_current(subject_id)
            aead = entry.current
            assert aead is not None
        assert entry is not None
        if value.__class__ is str:
            data = value.encode()
            head = entry.text_head
        elif isinstance(value, bytes):
            data = value
            head = entry.bytes_head
        else:
            raise InvalidInput("vault values are str or bytes")
        field_part = self._fields.get(field)
        if field_part is None:
            field_part = self._field_part(field)
        tail = sid + field_part + (_EMPTY_CONTEXT if context is None else context_part(context))
        return _seal(aead, head, data, tail)

    def decrypt(
        self, subject_id: SubjectId, field: str, envelope: bytes, context: Context = None
    ) -> str | bytes:
        """The value inside ``envelope``, as the str or bytes that was encrypted.

        Raises SubjectErased if the subject's keys were shredded, DecryptionError on
        anything else (altered bytes, another subject, field or record, wrong KEK).
        """
        if not isinstance(envelope, bytes) or len(envelope) < _MIN:
            raise DecryptionError("cannot decrypt")
        if envelope[0] == _V2:
            return self._decrypt_scoped(subject_id, field, envelope, context)
        head = envelope[:_HS]
        parsed = self._heads.get(head)
        if parsed is None:
            parsed = hazmat.parse_header(envelope)
            if len(self._heads) < 1024:
                self._heads[head] = parsed
        value_type, version = parsed
        try:
            sid = subject_id._bytes
        except AttributeError:  # free on the hot path: only bad input pays
            raise not_a_subject_id(subject_id) from None
        entry = self._subjects.get(sid)
        aead = None if entry is None else entry.versions.get(version)
        if aead is None:
            aead = self._load_version(subject_id, version)
        field_part = self._fields.get(field)
        if field_part is None:
            field_part = self._field_part(field)
        tail = sid + field_part + (_EMPTY_CONTEXT if context is None else context_part(context))
        # hazmat.open_envelope, inlined: this is the hot path of every read (P2), and a
        # call costs ~5 % of a small decrypt. tests/vault/test_envelope.py checks that
        # both open exactly the same envelopes and refuse the same altered ones.
        try:
            if len(envelope) > _LARGE:  # no copy of large ciphertexts
                view = memoryview(envelope)
                plain = aead.decrypt(view[_HS:_BODY], view[_BODY:], head + tail)
            else:
                plain = aead.decrypt(envelope[_HS:_BODY], envelope[_BODY:], head + tail)
        except Exception:  # InvalidTag, and anything else: one opaque error
            raise DecryptionError("cannot decrypt") from None
        if value_type == _TEXT:
            try:
                return plain.decode()
            except UnicodeDecodeError:  # pragma: no cover - authenticated, so impossible
                raise DecryptionError("cannot decrypt") from None
        return plain

    def reencrypt(
        self, subject_id: SubjectId, field: str, envelope: bytes, context: Context = None
    ) -> bytes:
        """The same value encrypted under the subject's newest key version."""
        return self.encrypt(
            subject_id, field, self.decrypt(subject_id, field, envelope, context), context
        )

    def key_version_of(self, envelope: bytes) -> int:
        """The data-key version an envelope was encrypted with."""
        return hazmat.parse_header(envelope)[1]

    # -- blind index -----------------------------------------------------------------

    def blind_index(self, kind: Lookup, value: str, region: str | None = None) -> bytes:
        """The blind index of a lookup value (email, phone read in ``region``, exact)."""
        return self._index.digest(kind, value, region)

    def legacy_blind_index(self, kind: Lookup, value: str) -> bytes | None:
        """The index 0.1's rules gave ``value`` (see :meth:`BlindIndex.legacy_digest`)."""
        return self._index.legacy_digest(kind, value)

    def token_tag(self, payload: bytes) -> bytes:
        """The HMAC-SHA256 of a token's payload (confirmation and unsubscribe links),
        under a controller-wide key derived from the index key: no key is stored for it,
        and a KEK rotation leaves every issued link valid."""
        return hmac.new(self._token_key, b"gdprcrm token v1\n" + payload, hashlib.sha256).digest()

    # -- keys --------------------------------------------------------------------------

    def rotate_data_key(self, subject_id: SubjectId) -> int:
        """Give the subject a new key version for new writes; old versions still decrypt.

        Returns the new version. Use :meth:`reencrypt` to move old values over.
        """
        latest = self._store.latest(subject_id)
        if latest is None and self._store.tombstone(subject_id) is not None:
            raise SubjectErased(f"subject {subject_id} was erased")
        version = 1 if latest is None else latest.version + 1
        key, wrapped = self._new_key(subject_id, version)
        try:
            self._store.put(wrapped)
        except KeyShredded:
            raise SubjectErased(f"subject {subject_id} was erased") from None
        self._remember(subject_id, version, AESGCM(key), self._shred_epoch, current=True)
        return version

    def rotate_kek(self, new_kek: KekSource | Kek, *, batch_size: int = 1000) -> int:
        """Rewrap every data key (and the index key) under ``new_kek``; no data is touched.

        New keys use the new KEK from the start; the old KEK stays known to this vault
        for unwrapping. Returns the number of data keys rewrapped.
        """
        new = _as_kek(new_kek)
        self._check_kek_in_use()  # another process may have rotated already
        self._keks[new.id] = new
        self._kek = new
        # First the marker: from now on, a process still holding the old KEK refuses to
        # wrap new keys; then every key; then once more, for a key wrapped meanwhile.
        marker = hazmat.wrap_key(new.aead, bytes(hazmat.KEY_SIZE), _NO_SUBJECT, 0, new.id)
        self._store.put_secret(Secret(_KEK_IN_USE, new.id, marker), replace=True)
        done = 0
        for _ in range(2):
            for batch in self._store.key_batches(batch_size):
                moved = [self._rewrapped(k, new) for k in batch if k.kek_id != new.id]
                if moved:
                    done += self._store.rewrap(moved)
        secret = self._store.get_secret(_INDEX_SECRET)
        if secret is not None and secret.kek_id != new.id:
            index_key = self._unwrap_secret(secret)
            wrapped = hazmat.wrap_key(new.aead, index_key, _NO_SUBJECT, 0, new.id)
            self._store.put_secret(Secret(_INDEX_SECRET, new.id, wrapped), replace=True)
        return done

    def _rewrapped(self, key: WrappedKey, new: Kek) -> WrappedKey:
        sid = key.subject_id.bytes
        raw = hazmat.unwrap_key(
            self._kek_for(key.kek_id).aead, key.wrapped, sid, key.version, key.kek_id
        )
        wrapped = hazmat.wrap_key(new.aead, raw, sid, key.version, new.id)
        return WrappedKey(key.subject_id, key.version, new.id, wrapped, key.kcv, key.created_at)

    # -- erasure -----------------------------------------------------------------------

    def shred(self, subject_id: SubjectId) -> ErasureCertificate:
        """Destroy every version of the subject's key and return a signed certificate.

        Durable before it returns. Shredding again is harmless: the certificate then
        says ``already_shredded`` and gives the original instant.
        """
        return self.shred_many([subject_id])[0]

    def shred_many(self, subject_ids: Iterable[SubjectId]) -> list[ErasureCertificate]:
        """:meth:`shred` each subject, in one key-store transaction and one flush (a
        retention sweep erasing thousands); one signed certificate each, in order."""
        ids = list(subject_ids)  # the key store refuses a non-SubjectId before any change
        now = self._clock.now()
        out = []
        for stone, fresh in self._store.shred_many(ids, now) if ids else []:
            self._forget(stone.subject_id)
            cert = ErasureCertificate(
                certificate_id=uuid.uuid4(),
                subject_id=stone.subject_id,
                shredded_at=stone.shredded_at,
                issued_at=self._clock.now(),
                destroyed=tuple((v, kcv.hex()) for v, kcv in stone.destroyed),
                signer_id=self._signer.signer_id,
                already_shredded=not fresh,
            )
            out.append(sign_certificate(cert, self._signer))
        return out

    def is_shredded(self, subject_id: SubjectId) -> bool:
        return self._store.tombstone(subject_id) is not None

    def export_tombstones(self) -> list[Tombstone]:
        """Every tombstone: keep a copy apart from the key store (e.g. in the data store)."""
        return list(self._store.tombstones())

    def replay_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        """Neutralise a restored key-store backup: destroy every key a tombstone names."""
        stones = list(tombstones)
        count = self._store.restore_tombstones(stones)
        for stone in stones:
            self._forget(stone.subject_id)
        return count

    def evict(self, subject_id: SubjectId) -> None:
        """Drop the subject's ready keys from this process's cache."""
        with self._lock:
            self._subjects.pop(subject_id.bytes, None)
            self._drop_scoped(subject_id.bytes)

    @property
    def signer(self) -> CertificateSigner:
        """The controller's signer (certificates, audit checkpoints)."""
        return self._signer

    @property
    def public_key_pem(self) -> bytes:
        """The public key that verifies this vault's erasure certificates."""
        return self._signer.public_pem()

    # -- internals -----------------------------------------------------------------------

    def _forget(self, subject_id: SubjectId) -> None:
        sid = subject_id.bytes
        with self._lock:
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
    ) -> _Entry:
        sid = subject_id.bytes
        durable = not self._store.in_caller_transaction()
        with self._lock:
            if self._shredded_since(epoch, sid):
                raise SubjectErased(f"subject {subject_id} was erased")
            entry = self._subjects.get(sid) if durable else None
            if entry is None:
                entry = _Entry()
                # A key read or written inside a transaction the caller may still roll
                # back is used for this call only: cached, it could outlive its row.
                if durable:
                    self._subjects[sid] = entry
                    if len(self._subjects) > self._cache_size:
                        del self._subjects[next(iter(self._subjects))]
            if current:
                entry.set_current(version, aead)
            else:
                entry.versions[version] = aead
            return entry

    def _load_current(self, subject_id: SubjectId, *, retried: bool = False) -> _Entry:
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
        wrapped = self._store.get(subject_id, version)
        if wrapped is None:
            if self._store.tombstone(subject_id) is not None:
                raise SubjectErased(f"subject {subject_id} was erased")
            raise DecryptionError("cannot decrypt")
        aead = AESGCM(self._unwrap(wrapped))
        self._remember(subject_id, version, aead, epoch, current=False)
        return aead

    def _check_kek_in_use(self) -> None:
        """Refuse to wrap a new key under a KEK another process has rotated away from:
        restarted with only the new KEK, that process could never unwrap it again."""
        marker = self._store.get_secret(_KEK_IN_USE)
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
        return hazmat.unwrap_key(kek.aead, secret.wrapped, _NO_SUBJECT, 0, secret.kek_id)

    def _index_key(self) -> bytes:
        secret = self._store.get_secret(_INDEX_SECRET)
        if secret is None:
            key = hazmat.new_data_key()
            wrapped = hazmat.wrap_key(self._kek.aead, key, _NO_SUBJECT, 0, self._kek.id)
            try:
                self._store.put_secret(Secret(_INDEX_SECRET, self._kek.id, wrapped))
                return key
            except DuplicateKey:  # created meanwhile by another thread or process
                secret = self._store.get_secret(_INDEX_SECRET)
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

    def __repr__(self) -> str:
        return f"KeyVault({self._store!r}, kek={self._kek.id})"

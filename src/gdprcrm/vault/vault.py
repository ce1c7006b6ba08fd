"""KeyVault: per-subject keys, field encryption, crypto-shredding (Art. 17, 32).

Each data subject gets a random AES-256 data key, stored only wrapped by the
key-encryption key (KEK). Every personal value is encrypted under its subject's key,
bound to the subject, the field and an optional record context. Destroying the key
(:meth:`KeyVault.shred`) makes every copy of that person's data unreadable wherever it
lies, backups included, and yields a signed :class:`ErasureCertificate`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gdprcrm.clock import Clock, SystemClock
from gdprcrm.contact_points import DEFAULT_REGION
from gdprcrm.errors import (
    DecryptionError,
    InvalidInput,
    KeyShredded,
    NotFound,
    SubjectErased,
)
from gdprcrm.model import Lookup, SubjectId
from gdprcrm.model._checks import collection_of
from gdprcrm.vault import hazmat
from gdprcrm.vault._cache import SEAL_IN_PLACE, Entry, as_value, seal_into, seal_large
from gdprcrm.vault._inputs import Context, not_a_subject_id, subject_bytes
from gdprcrm.vault._keys import INDEX_SECRET, KEK_IN_USE, NO_SUBJECT
from gdprcrm.vault.blind_index import BlindIndex
from gdprcrm.vault.certificate import CertificateSigner, ErasureCertificate, sign_certificate
from gdprcrm.vault.kek import Kek, KekSource, is_kek_source
from gdprcrm.vault.keystore import KeyStore, Secret, Tombstone
from gdprcrm.vault.scopes import ScopedKeys

__all__ = ["Context", "KeyVault"]


_EMPTY_CONTEXT = b"\x00\x00"
_TEXT = hazmat.TYPE_TEXT
_BYTES = hazmat.TYPE_BYTES
_HS = hazmat.HEADER_SIZE
_MIN = hazmat.OVERHEAD
_BODY = hazmat.HEADER_SIZE + hazmat.NONCE_SIZE
_READ_IN_PLACE = hazmat.READ_IN_PLACE
_V2 = hazmat.FORMAT_V2
_NONCE = hazmat.NONCE_SIZE
_urandom = os.urandom
_FIELDS_CACHED = 64
"""Field names whose associated data a cached subject keeps ready, per key version."""


def _as_kek(source: KekSource | Kek) -> Kek:
    if isinstance(source, Kek):
        return source
    if not is_kek_source(source):
        raise InvalidInput("expected a Kek or a KEK source (InMemoryKekSource, KeyFileKekSource)")
    return source.load()


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
        self._subjects: dict[bytes, Entry] = {}
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
        # _sealing() and the concatenation, inlined: this is the hot path of every write
        # (P1); tests/vault/test_envelope.py checks both build the same envelopes.
        try:
            sid = subject_id._bytes
        except AttributeError:  # free on the hot path: only bad input pays
            raise not_a_subject_id(subject_id) from None
        entry = self._subjects.get(sid)
        sealer = None if entry is None else entry.current
        if sealer is None:
            self._sealable(sid, field, value, context)  # no key made for bad input
            sealer = self._load_current(subject_id).current
            assert sealer is not None
        if value.__class__ is str:
            data = value.encode()
            head, aads = sealer.text
        elif isinstance(value, bytes):
            data = value
            head, aads = sealer.bytes_
        else:
            raise InvalidInput("vault values are str or bytes")
        try:
            aad = None if context is not None else aads.get(field)
        except TypeError:  # an unhashable field name: _tail refuses it
            aad = None
        if aad is None:
            aad = self._aad(sid, head, aads, field, context)
        nonce = _urandom(_NONCE)
        if len(data) > SEAL_IN_PLACE:
            return seal_large(sealer.aead, head, nonce, data, aad)
        return head + nonce + sealer.aead.encrypt(nonce, data, aad)

    def encrypt_buffer(
        self, subject_id: SubjectId, field: str, value: str | bytes, context: Context = None
    ) -> bytearray:
        """:meth:`encrypt`, encrypting straight into the envelope it returns, with no copy
        of the ciphertext: for large values (documents, scans) on their way to a database
        driver, which take a ``bytearray`` as they take ``bytes``. :meth:`decrypt` opens
        it (as ``bytes``, ``bytearray`` or ``memoryview``) like any envelope."""
        aead, head, data, aad = self._sealing(subject_id, field, value, context)
        nonce = _urandom(_NONCE)
        buffer = bytearray(_BODY + len(data) + hazmat.TAG_SIZE)
        seal_into(buffer, aead, head, nonce, data, aad)
        return buffer

    def _sealing(
        self, subject_id: SubjectId, field: str, value: str | bytes, context: Context
    ) -> tuple[AESGCM, bytes, bytes, bytes]:
        """(AEAD, header, plaintext bytes, associated data) to encrypt ``value`` with."""
        sid = subject_bytes(subject_id)
        entry = self._subjects.get(sid)
        sealer = None if entry is None else entry.current
        if sealer is None:
            self._sealable(sid, field, value, context)  # no key made for bad input
            sealer = self._load_current(subject_id).current
            assert sealer is not None
        if value.__class__ is str:
            data = value.encode()
            head, aads = sealer.text
        elif isinstance(value, bytes):
            data = value
            head, aads = sealer.bytes_
        else:
            raise InvalidInput("vault values are str or bytes")
        return sealer.aead, head, data, self._aad(sid, head, aads, field, context)

    def _aad(
        self, sid: bytes, head: bytes, aads: dict[str, bytes], field: str, context: Context
    ) -> bytes:
        """The associated data of an envelope (kept per field when there is no context)."""
        aad = head + self._tail(sid, field, context)
        if context is None and len(aads) < _FIELDS_CACHED:
            aads[field] = aad
        return aad

    def decrypt(
        self,
        subject_id: SubjectId,
        field: str,
        envelope: bytes | bytearray | memoryview,
        context: Context = None,
    ) -> str | bytes:
        """The value inside ``envelope``, as the str or bytes that was encrypted.

        Raises SubjectErased if the subject's keys were shredded, DecryptionError on
        anything else (altered bytes, another subject, field or record, wrong KEK).
        """
        try:
            sid = subject_id._bytes
        except AttributeError:  # free on the hot path: only bad input pays
            raise not_a_subject_id(subject_id) from None
        entry = self._subjects.get(sid)
        if entry is not None and context is None and envelope.__class__ is bytes:
            # The hot path of every read (P2): one lookup by header finds the key and the
            # associated data this subject's header and field were opened with before.
            # hazmat.open_envelope, inlined; tests/vault/test_envelope.py checks that both
            # open exactly the same envelopes and refuse the same altered ones.
            opener = entry.opened.get(envelope[:_HS])
            if opener is not None:
                aead, text, aads = opener
                try:
                    aad = aads.get(field)
                except TypeError:  # an unhashable field name: the slow path refuses it
                    aad = None
                if aad is not None:
                    try:
                        if len(envelope) > _READ_IN_PLACE:  # no copy of large ones
                            view = memoryview(envelope)
                            plain = aead.decrypt(view[_HS:_BODY], view[_BODY:], aad)
                        else:
                            plain = aead.decrypt(envelope[_HS:_BODY], envelope[_BODY:], aad)
                    except Exception:  # InvalidTag, a short envelope...: one opaque error
                        raise DecryptionError("cannot decrypt") from None
                    if text:
                        try:
                            return plain.decode()
                        except UnicodeDecodeError:  # pragma: no cover - authenticated
                            raise DecryptionError("cannot decrypt") from None
                    return plain
        return self._decrypt_first(subject_id, sid, field, envelope, context)

    def _decrypt_first(
        self,
        subject_id: SubjectId,
        sid: bytes,
        field: str,
        envelope: bytes | bytearray | memoryview,
        context: Context,
    ) -> str | bytes:
        """decrypt() for what its cache does not hold yet: checks the envelope, loads the
        key version, opens, then remembers how (header, field) were opened."""
        if envelope.__class__ is not bytes:
            if not isinstance(envelope, bytes | bytearray | memoryview):
                raise DecryptionError("cannot decrypt")
            try:
                envelope = bytes(memoryview(envelope).cast("B"))
            except TypeError:  # not one contiguous run of bytes
                raise DecryptionError("cannot decrypt") from None
        if len(envelope) < _MIN:
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
        entry = self._subjects.get(sid)
        aead = None if entry is None else entry.versions.get(version)
        if aead is None:
            aead = self._load_version(subject_id, version)
        aad = head + self._tail(sid, field, context)
        large = len(envelope) > _READ_IN_PLACE
        body = memoryview(envelope)[_BODY:] if large else envelope[_BODY:]
        try:
            plain = aead.decrypt(envelope[_HS:_BODY], body, aad)
        except Exception:  # InvalidTag, and anything else: one opaque error
            raise DecryptionError("cannot decrypt") from None
        entry = self._subjects.get(sid)
        if context is None and entry is not None and entry.versions.get(version) is aead:
            opener = entry.opened.setdefault(head, (aead, value_type == _TEXT, {}))
            if len(opener[2]) < _FIELDS_CACHED:
                opener[2][field] = aad
        return as_value(plain, value_type == _TEXT)

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
        if not isinstance(payload, bytes):
            raise InvalidInput("token_tag: the payload is bytes")
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
        marker = hazmat.wrap_key(new.aead, bytes(hazmat.KEY_SIZE), NO_SUBJECT, 0, new.id)
        self._store.put_secret(Secret(KEK_IN_USE, new.id, marker), replace=True)
        done = 0
        for _ in range(2):
            done += self._store.rewrap_all(
                functools.partial(self._rewrapped, new), new.id, batch_size=batch_size
            )
        secret = self._store.get_secret(INDEX_SECRET)
        if secret is not None and secret.kek_id != new.id:
            index_key = self._unwrap_secret(secret)
            wrapped = hazmat.wrap_key(new.aead, index_key, NO_SUBJECT, 0, new.id)
            self._store.put_secret(Secret(INDEX_SECRET, new.id, wrapped), replace=True)
        return done

    def _rewrapped(self, new: Kek, sid: bytes, version: int, kek_id: str, wrapped: bytes) -> bytes:
        raw = hazmat.unwrap_key(self._kek_for(kek_id).aead, wrapped, sid, version, kek_id)
        return hazmat.wrap_key(new.aead, raw, sid, version, new.id)

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
        ids = collection_of(subject_ids, object, "shred_many")  # the store checks each
        now = self._clock.now()
        out = []
        shredded = self._store.shred_many(ids, now) if ids else []
        self._forget(stone.subject_id for stone, _ in shredded)
        for stone, fresh in shredded:
            out.append(self._certificate(stone, already_shredded=not fresh))
        return out

    def erasure_certificate(self, subject_id: SubjectId) -> ErasureCertificate:
        """A newly signed certificate of the subject's earlier shred (Art. 5(2)): the
        instant and the key check values of the destroyed keys from the key store's
        tombstone, ``already_shredded`` true. Destroys nothing; NotFound when the
        subject's keys were never shredded."""
        if not isinstance(subject_id, SubjectId):
            raise not_a_subject_id(subject_id)
        stone = self._store.tombstone(subject_id)
        if stone is None:
            raise NotFound(f"no shred of subject {subject_id} on record")
        return self._certificate(stone, already_shredded=True)

    def _certificate(self, stone: Tombstone, *, already_shredded: bool) -> ErasureCertificate:
        cert = ErasureCertificate(
            certificate_id=uuid.uuid4(),
            subject_id=stone.subject_id,
            shredded_at=stone.shredded_at,
            issued_at=self._clock.now(),
            destroyed=tuple((v, kcv.hex()) for v, kcv in stone.destroyed),
            signer_id=self._signer.signer_id,
            already_shredded=already_shredded,
        )
        return sign_certificate(cert, self._signer)

    def is_shredded(self, subject_id: SubjectId) -> bool:
        return self._store.tombstone(subject_id) is not None

    def export_tombstones(self) -> list[Tombstone]:
        """Every tombstone: keep a copy apart from the key store (e.g. in the data store)."""
        return list(self._store.tombstones())

    def replay_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        """Neutralise a restored key-store backup: destroy every key a tombstone names."""
        stones = collection_of(tombstones, object, "replay_tombstones")
        count = self._store.restore_tombstones(stones)
        self._forget(stone.subject_id for stone in stones)
        return count

    def evict(self, subject_id: SubjectId) -> None:
        """Drop the subject's ready keys from this process's cache."""
        sid = subject_bytes(subject_id)
        with self._lock:
            self._subjects.pop(sid, None)
            self._drop_scoped(sid)

    @property
    def signer(self) -> CertificateSigner:
        """The controller's signer (certificates, audit checkpoints)."""
        return self._signer

    @property
    def public_key_pem(self) -> bytes:
        """The public key that verifies this vault's erasure certificates."""
        return self._signer.public_pem()

    def __repr__(self) -> str:
        return f"KeyVault({self._store!r}, kek={self._kek.id})"

"""Key-encryption keys (KEKs): what wraps every subject's data key.

A KEK never leaves the process in clear and never appears in a repr, a message or a
log. Three sources ship: in memory, a key file, and a passphrase stretched with scrypt.
Each KEK has an id derived from the key (SHA-256, truncated), so wrapped keys name
the KEK that wraps them without revealing it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gdprcrm.errors import InvalidInput
from gdprcrm.vault.hazmat import KEY_SIZE

__all__ = [
    "InMemoryKekSource",
    "Kek",
    "KekSource",
    "KeyFileKekSource",
    "PassphraseKekSource",
    "is_kek_source",
]


class Kek:
    """A 256-bit key-encryption key and its public id."""

    __slots__ = ("_aead", "_key", "id")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != KEY_SIZE:
            raise InvalidInput("a KEK is exactly 32 random bytes")
        self._key = key
        self._aead = AESGCM(key)
        self.id = "kek-" + hashlib.sha256(b"gdprcrm kek id v1" + key).hexdigest()[:16]

    @classmethod
    def generate(cls) -> Kek:
        return cls(os.urandom(KEY_SIZE))

    @property
    def key(self) -> bytes:
        """The raw key bytes (for the vault's wrap and unwrap only)."""
        return self._key

    @property
    def aead(self) -> AESGCM:
        """A ready AES-GCM object under this KEK (built once: wrap and unwrap are hot)."""
        return self._aead

    def __repr__(self) -> str:
        return f"Kek(id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Kek) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Kek cannot be pickled")


@runtime_checkable
class KekSource(Protocol):
    """Where the vault gets its KEK from (an HSM or KMS adapter implements this too)."""

    def load(self) -> Kek:
        """Return the KEK (called once, when the vault opens)."""
        ...


def is_kek_source(value: object) -> bool:
    """A :class:`Kek`, or a source whose ``load()`` gives one (nothing is loaded here)."""
    return isinstance(value, Kek) or callable(getattr(value, "load", None))


class InMemoryKekSource:
    """A KEK held in memory: for tests, or when the host fetched it from a KMS itself."""

    __slots__ = ("_kek",)

    def __init__(self, key: bytes | Kek | None = None) -> None:
        self._kek = (
            key if isinstance(key, Kek) else Kek(key) if key is not None else Kek.generate()
        )

    def load(self) -> Kek:
        return self._kek

    def __repr__(self) -> str:
        return f"InMemoryKekSource({self._kek.id})"


class KeyFileKekSource:
    """A KEK in a file: 32 raw bytes, or their base64 on one line.

    :meth:`create` writes a new random key with owner-only permissions (0600). The
    file should live apart from the key store and from backups of it: whoever holds
    both can unwrap every data key.
    """

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> KeyFileKekSource:
        """Write a new random KEK to a new file (0600); refuses to overwrite one."""
        target = Path(path)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InvalidInput(
                f"KEK file {target} exists: open it with KeyFileKekSource({str(target)!r}) "
                "(or use KeyFileKekSource.open_or_create)"
            ) from None
        except OSError as exc:
            raise InvalidInput(f"KEK file {target}: {exc.strerror}") from None
        with os.fdopen(fd, "wb") as out:
            out.write(base64.b64encode(os.urandom(KEY_SIZE)) + b"\n")
            out.flush()
            os.fsync(out.fileno())
        return cls(target)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str]) -> KeyFileKekSource:
        """The KEK in ``path``, created (0600) on the application's first start."""
        target = Path(path)
        return cls(target) if target.exists() else cls.create(target)

    def load(self) -> Kek:
        try:
            raw = self.path.read_bytes()
            mode = self.path.stat().st_mode
        except OSError as exc:
            raise InvalidInput(f"KEK file {self.path}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InvalidInput(f"KEK file {self.path}: readable by others; chmod 600 it")
        if len(raw) == KEY_SIZE:
            return Kek(raw)
        try:
            key = base64.b64decode(raw.strip(), validate=True)
        except ValueError:
            raise InvalidInput(f"KEK file {self.path}: not 32 bytes nor their base64") from None
        if len(key) != KEY_SIZE:
            raise InvalidInput(f"KEK file {self.path}: not 32 bytes nor their base64")
        return Kek(key)

    def __repr__(self) -> str:
        return f"KeyFileKekSource({str(self.path)!r})"


class PassphraseKekSource:
    """A KEK stretched from a passphrase with scrypt (n=2**17, r=8, p=1 by default).

    The salt is not secret but must be kept: the same passphrase and salt give the same
    KEK. :meth:`new_salt` makes one.
    """

    __slots__ = ("_n", "_passphrase", "_r", "salt")

    def __init__(self, passphrase: str, salt: bytes, *, n: int = 2**17, r: int = 8) -> None:
        if not isinstance(passphrase, str) or len(passphrase) < 12:
            raise InvalidInput("the KEK passphrase needs at least 12 characters")
        if not isinstance(salt, bytes) or len(salt) < 16:
            raise InvalidInput("the scrypt salt needs at least 16 bytes")
        self._passphrase = passphrase
        self.salt = salt
        self._n = n
        self._r = r

    @staticmethod
    def new_salt() -> bytes:
        return os.urandom(16)

    def load(self) -> Kek:
        kdf = Scrypt(salt=self.salt, length=KEY_SIZE, n=self._n, r=self._r, p=1)
        return Kek(kdf.derive(self._passphrase.encode()))

    def __repr__(self) -> str:
        return "PassphraseKekSource(<passphrase hidden>)"

"""The signer and the one signed-document format (Art. 5(2): proof a third party can check).

Erasure certificates, audit checkpoints and consent receipts are all the same kind of
thing: a JSON payload, signed with the controller's Ed25519 key, carried in one exact
byte string so that any altered byte fails verification. This module holds that format
once; the documents differ only in their payload, their wrapper key and their domain
label (which keeps a signature over one kind of document from verifying as another).

Wire form: canonical JSON (sorted keys, no spaces, ASCII) of
``{<wrapper>: payload, "signature": base64, ...extra}``; what is signed is
``domain_label + canonical(payload)`` (or the document's own signed bytes, for the
consent receipt, which signs its payload together with the signer id).

Every failure, whatever its cause, is one :class:`~gdprcrm.errors.SignatureInvalid`.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from gdprcrm.errors import InvalidInput, SignatureInvalid

__all__ = [
    "CertificateSigner",
    "SignatureInvalid",
    "Signed",
    "canonical_json",
    "check_signature",
    "open_signed",
    "read_signed",
    "require_canonical",
    "seal_signed",
]


_S = TypeVar("_S", bound="Signed")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical_json(data: Any) -> bytes:
    """The one canonical JSON encoding every signed document uses (sorted keys, compact,
    ASCII; one encoder, built once)."""
    return _CANONICAL.encode(data).encode()


def seal_signed(wrapper: str, payload: Mapping[str, Any], signature: bytes, **extra: str) -> str:
    """The wire form of a signed document: ``{wrapper: payload, signature, **extra}``."""
    doc: dict[str, Any] = {wrapper: dict(payload), **extra}
    doc["signature"] = base64.b64encode(signature).decode()
    return canonical_json(doc).decode()


def open_signed(
    text: str | bytes, wrapper: str, what: str
) -> tuple[dict[str, Any], bytes, dict[str, Any]]:
    """Parse a wire form: (payload, signature, whole document).

    Checks only the shape and the base64 of the signature; callers rebuild their object
    and compare its canonical form with ``text`` (see :func:`require_canonical`).
    """
    raw = text.encode() if isinstance(text, str) else text
    try:
        doc = json.loads(raw)
        payload = doc[wrapper]
        if not isinstance(payload, dict):
            raise TypeError(wrapper)
        signature = base64.b64decode(doc["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise SignatureInvalid(f"not a gdprcrm {what}") from None
    return payload, signature, doc


class Signed(Protocol):
    """What a signed document offers: its canonical wire form."""

    def to_json(self) -> str: ...


def read_signed(
    text: str | bytes,
    *,
    wrapper: str,
    doc_type: str,
    what: str,
    build: Callable[[dict[str, Any], bytes], _S],
) -> _S:
    """Parse a signed document: its shape, its type and version 1, the object ``build``
    makes from (payload, signature), and that the text is exactly its canonical form.
    Any failure is one SignatureInvalid."""
    body, signature, _ = open_signed(text, wrapper, what)
    try:
        if body["type"] != doc_type or body["version"] != 1:
            raise ValueError("unknown document type")
        document = build(body, signature)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidInput):
        raise SignatureInvalid(f"not a gdprcrm {what}") from None
    require_canonical(text, document.to_json(), what)
    return document


def require_canonical(text: str | bytes, rebuilt: str, what: str) -> None:
    """Refuse a wire form that is not byte for byte the canonical one (altered?)."""
    raw = text.encode() if isinstance(text, str) else text
    if rebuilt.encode() != raw:
        raise SignatureInvalid(f"{what} is not in its canonical form (altered?)")


def check_signature(
    public_key: Ed25519PublicKey, signature: bytes, signed: bytes, what: str
) -> None:
    """Raise SignatureInvalid unless ``signature`` over ``signed`` verifies."""
    try:
        public_key.verify(signature, signed)
    except (InvalidSignature, ValueError, TypeError, AttributeError):
        raise SignatureInvalid(f"{what} signature does not verify") from None


class CertificateSigner:
    """The controller's Ed25519 signing key and its public id.

    Keep it across restarts (:meth:`save` / :meth:`load`): certificates issued by an
    earlier run can only be verified with the same public key.
    """

    __slots__ = ("_private", "signer_id")

    def __init__(self, private_key: Ed25519PrivateKey, signer_id: str) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise InvalidInput("the certificate signer needs an Ed25519 private key")
        if not isinstance(signer_id, str) or not signer_id.strip():
            raise InvalidInput("the certificate signer needs an id")
        self._private = private_key
        self.signer_id = signer_id

    @classmethod
    def generate(cls, signer_id: str) -> CertificateSigner:
        return cls(Ed25519PrivateKey.generate(), signer_id)

    @classmethod
    def from_pem(
        cls, pem: bytes, signer_id: str, password: bytes | None = None
    ) -> CertificateSigner:
        try:
            key = serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError):
            raise InvalidInput("not a PEM private key (or a wrong password)") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput("the certificate signer needs an Ed25519 key")
        return cls(key, signer_id)

    def save(self, path: str | os.PathLike[str], *, password: bytes | None = None) -> None:
        """Write the private key to a new file readable by its owner only (0600),
        encrypted with ``password`` if given. Refuses to overwrite an existing file."""
        target = Path(path)
        pem = self.private_pem(password)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InvalidInput(f"signer key file {target} exists; load it instead") from None
        except OSError as exc:
            raise InvalidInput(f"signer key file {target}: {exc.strerror}") from None
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], signer_id: str, *, password: bytes | None = None
    ) -> CertificateSigner:
        """Read a key written by :meth:`save`."""
        target = Path(path)
        try:
            pem = target.read_bytes()
        except FileNotFoundError:
            raise InvalidInput(f"signer key file {target} not found") from None
        except OSError as exc:
            raise InvalidInput(f"signer key file {target}: {exc.strerror}") from None
        return cls.from_pem(pem, signer_id, password)

    @classmethod
    def open_or_create(
        cls, path: str | os.PathLike[str], signer_id: str, *, password: bytes | None = None
    ) -> CertificateSigner:
        """The key in ``path``, made and saved (0600) on the first start."""
        if Path(path).exists():
            return cls.load(path, signer_id, password=password)
        signer = cls.generate(signer_id)
        signer.save(path, password=password)
        return signer

    def private_pem(self, password: bytes | None) -> bytes:
        """The private key for safekeeping, encrypted with ``password`` (None: in clear,
        for a file only its owner can read)."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
            if password is None
            else serialization.BestAvailableEncryption(password)
        )
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._private.public_key()

    def public_pem(self) -> bytes:
        """The public key to hand to anyone who must verify certificates."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign_bytes(self, data: bytes) -> bytes:
        """An Ed25519 signature of ``data`` (callers add their own domain label)."""
        return self._private.sign(data)

    def __repr__(self) -> str:
        return f"CertificateSigner({self.signer_id!r})"

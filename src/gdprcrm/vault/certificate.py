"""Erasure certificates: signed proof that a subject's keys were destroyed (Art. 5(2), 17).

A certificate names the subject by its opaque id only, with the instants, each
destroyed key version and its key check value, and the signer's id. It is signed with
the controller's Ed25519 key, so anyone holding the public key can verify it, and it
contains nothing personal. Its wire form is canonical JSON: one exact byte string, so
that altering any byte makes verification fail.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from gdprcrm.errors import CertificateInvalid, InvalidInput
from gdprcrm.model import SubjectId
from gdprcrm.model._checks import as_utc, aware

__all__ = ["CertificateSigner", "ErasureCertificate", "verify_certificate"]

_DOMAIN = b"gdprcrm erasure certificate v1\n"


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@attrs.frozen
class ErasureCertificate:
    """Signed proof of a crypto-shredding."""

    certificate_id: uuid.UUID
    subject_id: SubjectId
    shredded_at: datetime = attrs.field(converter=as_utc, validator=aware)
    issued_at: datetime = attrs.field(converter=as_utc, validator=aware)
    destroyed: tuple[tuple[int, str], ...]
    """(key version, key check value in hex) of every destroyed key."""
    signer_id: str
    already_shredded: bool
    """True when the subject had been shredded before: this certificate restates it."""
    signature: bytes = attrs.field(default=b"", repr=False)

    def payload(self) -> dict[str, Any]:
        return {
            "type": "gdprcrm.erasure-certificate",
            "version": 1,
            "certificate_id": str(self.certificate_id),
            "subject_id": str(self.subject_id),
            "shredded_at": self.shredded_at.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "destroyed_keys": [{"version": v, "kcv": k} for v, k in self.destroyed],
            "signer_id": self.signer_id,
            "already_shredded": self.already_shredded,
        }

    def signed_bytes(self) -> bytes:
        """What the signature covers: a domain label and the canonical payload."""
        return _DOMAIN + _canonical(self.payload())

    def to_json(self) -> str:
        """The canonical wire form (one exact string for one certificate)."""
        sig = base64.b64encode(self.signature).decode()
        return _canonical({"certificate": self.payload(), "signature": sig}).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> ErasureCertificate:
        """Parse the wire form; CertificateInvalid unless it is exactly canonical."""
        raw = text.encode() if isinstance(text, str) else text
        try:
            doc = json.loads(raw)
            body = doc["certificate"]
            if body["type"] != "gdprcrm.erasure-certificate" or body["version"] != 1:
                raise ValueError("unknown certificate type")
            cert = cls(
                certificate_id=uuid.UUID(body["certificate_id"]),
                subject_id=SubjectId.parse(body["subject_id"]),
                shredded_at=datetime.fromisoformat(body["shredded_at"]),
                issued_at=datetime.fromisoformat(body["issued_at"]),
                destroyed=tuple(
                    (int(d["version"]), str(d["kcv"])) for d in body["destroyed_keys"]
                ),
                signer_id=str(body["signer_id"]),
                already_shredded=bool(body["already_shredded"]),
                signature=base64.b64decode(doc["signature"], validate=True),
            )
        except (ValueError, KeyError, TypeError, AttributeError, InvalidInput):
            raise CertificateInvalid("not a gdprcrm erasure certificate") from None
        if cert.to_json().encode() != raw:
            raise CertificateInvalid("certificate is not in its canonical form (altered?)")
        return cert

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise CertificateInvalid unless the signature verifies under ``public_key``."""
        try:
            public_key.verify(self.signature, self.signed_bytes())
        except (InvalidSignature, ValueError):
            raise CertificateInvalid("erasure certificate signature does not verify") from None


def verify_certificate(text: str | bytes, public_key: Ed25519PublicKey) -> ErasureCertificate:
    """Parse and verify a certificate's wire form; CertificateInvalid on any problem."""
    cert = ErasureCertificate.from_json(text)
    cert.verify(public_key)
    return cert


class CertificateSigner:
    """The controller's Ed25519 signing key and its public id."""

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

    def sign(self, cert: ErasureCertificate) -> ErasureCertificate:
        return attrs.evolve(cert, signature=self._private.sign(cert.signed_bytes()))

    def __repr__(self) -> str:
        return f"CertificateSigner({self.signer_id!r})"

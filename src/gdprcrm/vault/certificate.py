"""Erasure certificates: signed proof that a subject's keys were destroyed (Art. 5(2), 17).

A certificate names the subject by its opaque id only, with the instants, each
destroyed key version and its key check value, and the signer's id. It is signed with
the controller's Ed25519 key, so anyone holding the public key can verify it, and it
contains nothing personal. Its wire form is canonical JSON: one exact byte string, so
that altering any byte makes verification fail.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gdprcrm.model import SubjectId
from gdprcrm.model._checks import as_utc, aware
from gdprcrm.signing import (
    CertificateSigner,
    canonical_json,
    check_signature,
    read_signed,
    seal_signed,
)

__all__ = ["CertificateSigner", "ErasureCertificate", "sign_certificate", "verify_certificate"]

_DOMAIN = b"gdprcrm erasure certificate v1\n"
_WHAT = "erasure certificate"


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
    scopes: tuple[str, ...] = ()
    """The key scopes destroyed (opaque ids of records or value groups), when the
    certificate is for scopes of the subject rather than the subject's own keys."""
    signature: bytes = attrs.field(default=b"", repr=False)
    _wire: str | None = attrs.field(default=None, init=False, eq=False, repr=False)
    """The wire form, when :func:`sign_certificate` made it from the bytes it signed
    (a sweep keeps thousands: one canonical encoding each, not two). A copy made with
    ``attrs.evolve`` starts without it."""

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
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
        if self.scopes:  # absent from whole-subject certificates, whose bytes stay as in 0.1
            body["scopes"] = list(self.scopes)
        return body

    def signed_bytes(self) -> bytes:
        """What the signature covers: a domain label and the canonical payload."""
        return _DOMAIN + canonical_json(self.payload())

    def to_json(self) -> str:
        """The canonical wire form (one exact string for one certificate)."""
        if self._wire is not None:
            return self._wire
        return seal_signed("certificate", self.payload(), self.signature)

    @classmethod
    def from_json(cls, text: str | bytes) -> ErasureCertificate:
        """Parse the wire form; SignatureInvalid unless it is exactly canonical."""
        return read_signed(
            text,
            wrapper="certificate",
            doc_type="gdprcrm.erasure-certificate",
            what=_WHAT,
            build=lambda body, signature: cls(
                certificate_id=uuid.UUID(body["certificate_id"]),
                subject_id=SubjectId.parse(body["subject_id"]),
                shredded_at=datetime.fromisoformat(body["shredded_at"]),
                issued_at=datetime.fromisoformat(body["issued_at"]),
                destroyed=tuple(
                    (int(d["version"]), str(d["kcv"])) for d in body["destroyed_keys"]
                ),
                signer_id=str(body["signer_id"]),
                already_shredded=bool(body["already_shredded"]),
                scopes=tuple(str(s) for s in body.get("scopes", ())),
                signature=signature,
            ),
        )

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise SignatureInvalid unless the signature verifies under ``public_key``."""
        check_signature(public_key, self.signature, self.signed_bytes(), _WHAT)


def sign_certificate(cert: ErasureCertificate, signer: CertificateSigner) -> ErasureCertificate:
    """``cert`` signed by ``signer``, its wire form made from the bytes signed."""
    body = canonical_json(cert.payload())
    signature = signer.sign_bytes(_DOMAIN + body)
    signed = attrs.evolve(cert, signature=signature)
    object.__setattr__(signed, "_wire", _sealed(body, signature))
    return signed


def _sealed(body: bytes, signature: bytes) -> str:
    """``seal_signed("certificate", payload, signature)`` from the payload's canonical
    bytes: the wrapper's keys sort as ``certificate``, ``signature``; the encoding is
    compact ASCII, so the payload's bytes appear in it unchanged (a test compares)."""
    return (
        b'{"certificate":' + body + b',"signature":"' + base64.b64encode(signature) + b'"}'
    ).decode()


def verify_certificate(text: str | bytes, public_key: Ed25519PublicKey) -> ErasureCertificate:
    """Parse and verify a certificate's wire form; SignatureInvalid on any problem."""
    cert = ErasureCertificate.from_json(text)
    cert.verify(public_key)
    return cert

"""Signed checkpoints of the chain head, to anchor the trail outside the database.

Publish or file a checkpoint (with the DPO, a notary, a timestamping service, a git
repository): whoever later holds it and the controller's public key can show that the
chain they are given contains that head. A rebuilt or truncated chain cannot.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gdprcrm.errors import InvalidInput
from gdprcrm.model import AuditEntry
from gdprcrm.model._checks import as_utc, aware, check_aware
from gdprcrm.signing import (
    CertificateSigner,
    canonical_json,
    check_signature,
    read_signed,
    seal_signed,
)

__all__ = ["Checkpoint", "sign_checkpoint"]

_DOMAIN = b"gdprcrm audit checkpoint v1\n"
_WHAT = "audit checkpoint"


@attrs.frozen
class Checkpoint:
    """The chain head at an instant: sequence and hash, signed by the controller."""

    sequence: int
    hash: bytes = attrs.field(repr=False)
    at: datetime = attrs.field(converter=as_utc, validator=aware)
    signer_id: str
    signature: bytes = attrs.field(default=b"", repr=False)
    restore: bool = False
    """Taken when an operator acknowledged a restore of the data store: the trail went
    back to this head, and the checkpoints before it in the file record what was lost."""

    def payload(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": "gdprcrm.audit-checkpoint",
            "version": 1,
            "sequence": self.sequence,
            "hash": self.hash.hex(),
            "at": self.at.isoformat(),
            "signer_id": self.signer_id,
        }
        if self.restore:  # absent otherwise: earlier checkpoints keep their exact bytes
            body["restore"] = True
        return body

    def signed_bytes(self) -> bytes:
        return _DOMAIN + canonical_json(self.payload())

    def to_json(self) -> str:
        return seal_signed("checkpoint", self.payload(), self.signature)

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        """Parse the wire form; SignatureInvalid unless it is exactly canonical."""
        return read_signed(
            text,
            wrapper="checkpoint",
            doc_type="gdprcrm.audit-checkpoint",
            what=_WHAT,
            build=lambda body, signature: cls(
                sequence=int(body["sequence"]),
                hash=bytes.fromhex(body["hash"]),
                at=datetime.fromisoformat(body["at"]),
                signer_id=str(body["signer_id"]),
                signature=signature,
                restore=body.get("restore") is True,
            ),
        )

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise SignatureInvalid unless signed by the holder of ``public_key``."""
        check_signature(public_key, self.signature, self.signed_bytes(), _WHAT)

    @property
    def head(self) -> tuple[int, bytes]:
        """What :func:`gdprcrm.audit.verify` takes as ``checkpoint=``."""
        return (self.sequence, self.hash)


def sign_checkpoint(
    head: AuditEntry, signer: CertificateSigner, at: datetime, *, restore: bool = False
) -> Checkpoint:
    """A signed checkpoint of ``head`` (the last entry of the chain)."""
    at = check_aware(at, "checkpoint at").astimezone(UTC)
    if not head.hash:
        raise InvalidInput("checkpoint of an entry that was never chained")
    cp = Checkpoint(head.sequence, head.hash, at, signer.signer_id, restore=restore)
    return attrs.evolve(cp, signature=signer.sign_bytes(cp.signed_bytes()))

"""Proving every erasure the trail records (Art. 5(2), 17): each trail entry that names
an erasure certificate must find it kept in the data store, signed, and about the
entry's subject.

The trail is chained and checkpointed (:func:`~gdprcrm.service.accountability.
verify_audit`), so its entries cannot be altered unseen; certificates are kept in a
table of their own, where someone who can write the database could delete one (to hide
an erasure's proof) or replace it with another certificate (of another person, or
another erasure). Neither passes this check. A certificate can never be forged: it is
signed with the controller's key, which is not in the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gdprcrm.errors import InterfaceError, InvalidInput, SignatureInvalid
from gdprcrm.model import AuditEntry
from gdprcrm.service.kernel import Kernel
from gdprcrm.storage.protocols import UnitOfWork
from gdprcrm.vault import ErasureCertificate

__all__ = ["CertificateCheck", "verify_certificates"]


@attrs.frozen
class CertificateCheck:
    """What :meth:`~gdprcrm.service.Controller.verify_certificates` found. Ids only:
    certificate ids as the trail names them, nothing personal."""

    checked: int
    """Trail entries that name a certificate."""
    missing: tuple[uuid.UUID, ...] = ()
    """Named by the trail, not kept (deleted; or an erasure recorded before certificates
    were kept: ``erasure_certificate(subject)`` restates a subject's)."""
    invalid: tuple[uuid.UUID, ...] = ()
    """Kept, but the signature fails (a row altered), or about another subject, or naming
    other destroyed keys than its trail entry counts (a row replaced)."""
    unverifiable: tuple[uuid.UUID, ...] = ()
    """Signed by a signer other than this controller's and not among ``public_keys``:
    verify them with that signer's public key."""

    @property
    def ok(self) -> bool:
        """Every certificate the trail names is kept, about its entry's subject, and
        verifies (under this controller's key or one of ``public_keys``)."""
        return not (self.missing or self.invalid or self.unverifiable)

    def __bool__(self) -> bool:
        return self.ok


def verify_certificates(
    k: Kernel, public_keys: Mapping[str, Ed25519PublicKey] | None = None
) -> CertificateCheck:
    """Check every certificate the trail names (see the module's docstring);
    ``public_keys``: signer id -> public key of former signers of this controller."""
    keys = _keys(k, public_keys)
    with k.storage.unit_of_work(read_only=True) as uow:
        named = [(e, cid) for e in uow.audit.range(0) if (cid := _named(e)) is not None]
        kept = {cid: _kept(uow, cid) for cid in {cid for _, cid in named}}
    found: dict[str, list[uuid.UUID]] = {"missing": [], "invalid": [], "unverifiable": []}
    for entry, cid in named:
        verdict = _verdict(kept[cid], entry, keys)
        if verdict != "ok":
            found[verdict].append(cid)
    once = {field: tuple(dict.fromkeys(ids)) for field, ids in found.items()}
    return CertificateCheck(len(named), **once)


def _keys(
    k: Kernel, public_keys: Mapping[str, Ed25519PublicKey] | None
) -> dict[str, Ed25519PublicKey]:
    given = {} if public_keys is None else public_keys
    if not isinstance(given, Mapping) or not all(
        isinstance(s, str) and isinstance(key, Ed25519PublicKey) for s, key in given.items()
    ):
        raise InvalidInput(
            "verify_certificates: public_keys maps a signer id to its Ed25519 public key"
        )
    signer = k.vault.signer
    return {**given, signer.signer_id: signer.public_key}


def _kept(uow: UnitOfWork, certificate_id: uuid.UUID) -> ErasureCertificate | str | None:
    """The kept certificate, None if none is kept, or ``"invalid"`` for a row the port
    refuses (another id or subject, not canonical)."""
    try:
        return uow.certificates.get(certificate_id)
    except (InterfaceError, SignatureInvalid):
        return "invalid"


def _named(entry: AuditEntry) -> uuid.UUID | None:
    """The certificate an entry names, if any (its ``certificate`` detail)."""
    for key, value in entry.details:
        if key == "certificate" and isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:  # pragma: no cover - the chain holds only ids there
                return None
    return None


def _verdict(
    certificate: ErasureCertificate | str | None,
    entry: AuditEntry,
    keys: Mapping[str, Ed25519PublicKey],
) -> str:
    """``ok``, or the :class:`CertificateCheck` field the certificate goes in."""
    if certificate is None:
        return "missing"
    if isinstance(certificate, str):  # a row the port refused
        return certificate
    key = keys.get(certificate.signer_id)
    if key is None:
        return "unverifiable"
    try:
        certificate.verify(key)
    except SignatureInvalid:
        return "invalid"
    if entry.subject_id is not None and certificate.subject_id != entry.subject_id:
        return "invalid"  # a certificate of another person put in this one's place
    counted = dict(entry.details).get("keys")
    if isinstance(counted, int) and counted != len(certificate.destroyed):
        return "invalid"  # another erasure's certificate of the same person
    return "ok"

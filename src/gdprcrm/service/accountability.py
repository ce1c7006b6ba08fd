"""Demonstrating compliance (Art. 5(2)): verifying the trail against its stored head and
its signed checkpoints, and the certificates it names; taking checkpoints on demand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gdprcrm.audit import BreakReason, Checkpoint, Verification, verify
from gdprcrm.errors import InvalidInput
from gdprcrm.service.certificate_check import CertificateCheck, verify_certificates
from gdprcrm.service.kernel import Kernel

__all__ = ["AccountabilityOperations", "verify_audit"]


def _furthest(k: Kernel, given: Checkpoint | None) -> Checkpoint | None:
    if given is not None:
        if not isinstance(given, Checkpoint):
            raise InvalidInput("verify_audit(checkpoint=): expected a Checkpoint")
        given.verify(k.vault.signer.public_key)  # SignatureInvalid: not this controller's
    filed = None if k.anchor is None else k.anchor.latest
    candidates = [c for c in (given, filed) if c is not None]
    return max(candidates, key=lambda c: c.sequence) if candidates else None


def verify_audit(k: Kernel, checkpoint: Checkpoint | None = None) -> Verification:
    """Every link, the furthest signed checkpoint known (``checkpoint``, or the latest
    one filed), and the stored head: the first break found, by name."""
    anchor = _furthest(k, checkpoint)
    with k.storage.unit_of_work(read_only=True) as uow:
        entries = uow.audit.range(0)
        head = uow.audit.head()
    result = verify(entries, key=k.audit_key, checkpoint=None if anchor is None else anchor.head)
    if not result.ok:
        return result
    last = entries[-1] if entries else None
    if (head is None) != (last is None) or (
        head is not None
        and last is not None
        and (head.sequence, head.hash) != (last.sequence, last.hash)
    ):
        return Verification(
            False,
            result.checked,
            None,
            None if head is None else head.sequence,
            BreakReason.HEAD_MOVED,
        )
    return result


class AccountabilityOperations:
    """The accountability half of :class:`~gdprcrm.service.Controller` (which see)."""

    _k: Kernel

    def verify_audit(self, checkpoint: Checkpoint | None = None) -> Verification:
        """Verify the audit trail (Art. 5(2)): every link, the stored head (``HEAD_MOVED``
        when it names another entry than the last), and the furthest signed checkpoint
        known, ``checkpoint`` if given (a copy kept elsewhere; it must be this
        controller's) or the latest one filed (``TRUNCATED`` when the trail ends before
        it, ``CHECKPOINT`` when its entry was rewritten). The first break, or OK."""
        return verify_audit(self._k, checkpoint)

    def verify_certificates(
        self, public_keys: Mapping[str, Ed25519PublicKey] | None = None
    ) -> CertificateCheck:
        """Check every erasure certificate the trail names (Art. 5(2), 17): kept in the
        data store, about the entry's subject, and signed by this controller's key (or,
        for a former signer, the key ``public_keys`` gives for its id). Run it beside
        :meth:`verify_audit`: the trail cannot be altered unseen, a certificate row can
        be deleted or replaced by someone who writes the database; either shows here
        (``missing``, ``invalid``). Ids only in the result."""
        return verify_certificates(self._k, public_keys)

    def checkpoint(self, at: datetime | None = None) -> Checkpoint | None:
        """Sign a checkpoint of the trail's head now, after checking that the trail still
        reaches the latest one (:class:`~gdprcrm.errors.AuditTampered` otherwise), and
        file it with the others; ship a copy where the database's writers cannot reach.
        None while the trail is empty. Checkpoints are also taken after each erasure,
        every ``checkpoint_every`` entries, and on :meth:`close`."""
        return self._k.checkpoint(at)

    def acknowledge_restore(self, at: datetime | None = None) -> Checkpoint | None:
        """Say that the data store was restored from a backup (Art. 5(2), 32(1)(c)): the
        trail ends before its latest checkpoint because of the restore, not an attack.
        Records ``audit.restored`` (the checkpointed entry and the restored head) and
        files a ``restore`` checkpoint from which the trail goes on; :meth:`reconcile`
        then erases again whatever the backup brings back. None when nothing was lost.
        ``Controller.open(..., restored=True)`` and ``gdprcrm audit restored`` call it."""
        return self._k.acknowledge_restore(at)

    @property
    def latest_checkpoint(self) -> Checkpoint | None:
        """The latest checkpoint filed (None without a checkpoint file, or before one)."""
        return None if self._k.anchor is None else self._k.anchor.latest

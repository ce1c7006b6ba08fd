"""Anchoring the trail outside the database: signed checkpoints taken as it grows.

Whoever can write the database can delete the end of the trail (an erasure's entries,
say) and move the head back: every remaining link still verifies. Only something kept
elsewhere can tell. :class:`CheckpointFile` keeps signed checkpoints of the chain head,
one JSON document per line, in a file outside the data store (beside the key store by
default; copy it somewhere the database's writers cannot reach: a WORM bucket, the DPO's
mailbox, a git repository). :class:`Anchor` takes them when they matter (after each
erasure, every ``every`` entries, on close, on demand) and checks each new entry's head
against the latest one, so that an operation on a truncated or rewritten chain fails
with :class:`~gdprcrm.errors.AuditTampered` instead of extending it.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gdprcrm.audit.checkpoint import Checkpoint, sign_checkpoint
from gdprcrm.errors import AuditTampered, InvalidInput, SignatureInvalid
from gdprcrm.model import AuditEntry
from gdprcrm.signing import CertificateSigner

if TYPE_CHECKING:
    from gdprcrm.storage.protocols import UnitOfWork

__all__ = ["DEFAULT_EVERY", "Anchor", "CheckpointFile", "check_head"]

DEFAULT_EVERY = 1000
"""Entries between two automatic checkpoints (besides erasures and close)."""


class CheckpointFile:
    """Signed checkpoints appended to a file (0600), one canonical JSON per line."""

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def append(self, checkpoint: Checkpoint) -> None:
        """Add one checkpoint durably (the line is written in one call, then synced)."""
        line = (checkpoint.to_json().strip() + "\n").encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise InvalidInput(f"checkpoint file {self.path}: {exc.strerror}") from None
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def all(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first; SignatureInvalid names a damaged line."""
        return [checkpoint for _, checkpoint in self._lines()]

    def _lines(self) -> list[tuple[int, Checkpoint]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise InvalidInput(f"checkpoint file {self.path}: {exc.strerror}") from None
        out = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append((number, Checkpoint.from_json(line)))
            except SignatureInvalid as exc:
                raise SignatureInvalid(f"{self.path} line {number}: {exc}") from None
        return out

    def latest(self) -> Checkpoint | None:
        """The checkpoint of the furthest head (the highest sequence) since the last
        acknowledged restore (a ``restore`` checkpoint starts the count again)."""
        found = self.latest_line()
        return None if found is None else found[1]

    def latest_line(self) -> tuple[int, Checkpoint] | None:
        """:meth:`latest` and its line number in the file."""
        current: tuple[int, Checkpoint] | None = None
        for number, cp in self._lines():
            if cp.restore or current is None or cp.sequence >= current[1].sequence:
                current = (number, cp)
        return current


def check_head(uow: UnitOfWork, head: AuditEntry | None, checkpoint: Checkpoint) -> None:
    """AuditTampered unless the stored chain still reaches ``checkpoint``'s head with the
    same entry there: entries removed from the end (truncation), or the checkpointed
    entry rewritten."""
    if head is None or head.sequence < checkpoint.sequence:
        ends = "is empty" if head is None else f"ends at entry {head.sequence}"
        raise AuditTampered(
            f"the audit trail {ends}, before the signed checkpoint of entry "
            f"{checkpoint.sequence} ({checkpoint.at.isoformat()}): its last entries were "
            "removed (truncation). If the data store was restored from a backup, say so "
            "(`gdprcrm audit restored`, Controller.open(..., restored=True)); if not, it "
            "was tampered with: keep the checkpoints and investigate"
        )
    if head.sequence == checkpoint.sequence:
        stored = head
    else:
        found = uow.audit.range(checkpoint.sequence, checkpoint.sequence + 1)
        if not found:
            raise AuditTampered(
                f"the audit trail has no entry {checkpoint.sequence}, which a signed "
                "checkpoint holds: entries were removed"
            )
        stored = found[0]
    if stored.hash != checkpoint.hash:
        raise AuditTampered(
            f"audit entry {checkpoint.sequence} is not the one a signed checkpoint holds: "
            "the trail was rewritten"
        )


class Anchor:
    """Automatic checkpoints for one Controller (see the module docstring)."""

    def __init__(
        self, file: CheckpointFile, signer: CertificateSigner, *, every: int = DEFAULT_EVERY
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise InvalidInput("checkpoint_every: a whole number of entries, 1 or more")
        self.file = file
        self._signer = signer
        self._every = every
        self._lock = threading.Lock()
        found = file.latest_line()
        self._latest = None if found is None else found[1]
        if found is not None:
            try:
                found[1].verify(signer.public_key)
            except SignatureInvalid:
                raise SignatureInvalid(
                    f"{file.path} line {found[0]}: the latest checkpoint does not verify with "
                    "this controller's signer key: the file was altered, or another key "
                    "signed it (if the signer was lost, move the file aside, keeping it as "
                    "evidence, to start anew)"
                ) from None
        self._confirmed: tuple[int, bytes] | None = None
        """The head this process last saw reach the latest checkpoint (fast path)."""

    @property
    def latest(self) -> Checkpoint | None:
        return self._latest

    def before_append(self, uow: UnitOfWork, head: AuditEntry | None, at: datetime) -> None:
        """Called with the (locked) head before each new entry: refuse a chain that no
        longer reaches the latest checkpoint, and checkpoint ``head`` (committed) when
        ``every`` entries went by since the last one."""
        latest = self._latest
        if latest is not None and (head is None or self._confirmed != (head.sequence, head.hash)):
            check_head(uow, head, latest)
            if head is not None:
                self._confirmed = (head.sequence, head.hash)
        if head is not None and (latest is None or head.sequence - latest.sequence >= self._every):
            self.take(head, at)

    def appended(self, entry: AuditEntry) -> None:
        """The entry this process just chained (its successor needs no new check)."""
        self._confirmed = (entry.sequence, entry.hash)

    def take(self, head: AuditEntry, at: datetime, *, restore: bool = False) -> Checkpoint:
        """Sign and file a checkpoint of ``head`` (a committed entry); ``restore`` files
        it even behind the latest one, as the new start after an acknowledged restore."""
        with self._lock:
            latest = self._latest
            if not restore and latest is not None and latest.sequence >= head.sequence:
                return latest
            checkpoint = sign_checkpoint(head, self._signer, max(at, head.at), restore=restore)
            self.file.append(checkpoint)
            self._latest = checkpoint
            self._confirmed = (head.sequence, head.hash)
            return checkpoint

"""An audit trail anchored outside the database (Art. 5(2)): signed checkpoints taken
after each erasure, every N entries and on close; someone who can write crm.db cannot
remove the end of the trail, move its head or rewrite it unnoticed, and no operation
extends a trail that was cut. Attacks are made with sqlite3 on the real files."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from pathlib import Path

import attrs
import pytest

from gdprcrm.audit import (
    UNKEYED_AUDIT_CHAIN,
    BreakReason,
    CheckpointFile,
    encode,
    sign_checkpoint,
)
from gdprcrm.errors import AuditTampered, SignatureInvalid
from gdprcrm.examples import lumiere
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.storage._sql import dump
from gdprcrm.storage.memory import MemoryStorage
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import InMemoryKekSource, KeyVault

KEY = b"anchored audit tests: a key of 32+ bytes"
SIGNER = CertificateSigner.generate("dpo")
KEK = InMemoryKekSource()


def _open(folder: Path, clock: FrozenClock, **kwargs: object) -> Controller:
    return Controller.open(
        folder / "crm.db",
        lumiere.declarations(),
        kek=KEK,
        signer=SIGNER,
        clock=clock,
        audit_key=kwargs.pop("audit_key", KEY),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def _erased_subject(folder: Path) -> tuple[Controller, FrozenClock]:
    clock = FrozenClock()
    crm = _open(folder, clock)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    assert crm.erase(sid).completed  # a checkpoint is filed after the erasure
    return crm, clock


def _sql(folder: Path, *statements: str) -> None:
    with sqlite3.connect(folder / "crm.db") as db:
        for statement in statements:
            db.execute(statement)


def _head(folder: Path) -> int:
    with sqlite3.connect(folder / "crm.db") as db:
        return int(db.execute("SELECT sequence FROM gdprcrm_audit_head").fetchone()[0])


def test_an_erasure_is_anchored_outside_the_database(tmp_path: Path) -> None:
    crm, _ = _erased_subject(tmp_path)
    latest = crm.latest_checkpoint
    assert latest is not None
    assert latest.sequence == _head(tmp_path)
    filed = CheckpointFile(tmp_path / "crm.db.checkpoints").all()
    assert filed[-1] == latest
    latest.verify(SIGNER.public_key)
    assert oct((tmp_path / "crm.db.checkpoints").stat().st_mode & 0o777) == "0o600"
    crm.close()


def test_removing_the_erasures_entries_and_moving_the_head_back_is_caught(
    tmp_path: Path,
) -> None:
    crm, clock = _erased_subject(tmp_path)
    crm.close()
    head = _head(tmp_path)  # the erasure's entries are the last two
    _sql(
        tmp_path,
        f"DELETE FROM gdprcrm_audit WHERE sequence > {head - 2}",  # noqa: S608 - test input
        f"UPDATE gdprcrm_audit_head SET sequence = {head - 2}",  # noqa: S608
    )
    crm = _open(tmp_path, clock)  # it opens, so that it can be verified
    result = crm.verify_audit()
    assert (result.ok, result.reason) == (False, BreakReason.TRUNCATED)
    with pytest.raises(AuditTampered, match=f"ends at entry {head - 2}.*truncation"):
        crm.add_subject({"email": "x@example.fr"}, "FR", purposes=["newsletter"])


def test_a_cut_trail_is_reported_by_verify_and_refused_by_every_operation(
    tmp_path: Path,
) -> None:
    crm, _ = _erased_subject(tmp_path)
    head = _head(tmp_path)
    _sql(
        tmp_path,
        f"DELETE FROM gdprcrm_audit WHERE sequence > {head - 2}",  # noqa: S608
        f"UPDATE gdprcrm_audit_head SET sequence = {head - 2}",  # noqa: S608
    )
    result = crm.verify_audit()
    assert (result.ok, result.reason) == (False, BreakReason.TRUNCATED)
    with pytest.raises(AuditTampered, match="truncation"):
        crm.add_subject({"email": "x@example.fr"}, "FR", purposes=["newsletter"])
    with pytest.raises(AuditTampered):
        crm.checkpoint()


def test_deleting_the_tail_without_moving_the_head_is_caught(tmp_path: Path) -> None:
    # Without a checkpoint file too: the head row names an entry that is gone.
    clock = FrozenClock()
    storage_path = tmp_path / "crm.db"
    crm = _open(tmp_path, clock)
    crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.add_subject({"email": "leo@example.fr"}, "FR", purposes=["newsletter"])
    head = _head(tmp_path)
    _sql(tmp_path, f"DELETE FROM gdprcrm_audit WHERE sequence >= {head - 1}")  # noqa: S608
    result = crm.verify_audit()
    assert not result.ok
    assert result.reason in (BreakReason.TRUNCATED, BreakReason.HEAD_MOVED)
    with pytest.raises(AuditTampered):  # not DuplicateRecord on sequence 0
        crm.add_subject({"email": "x@example.fr"}, "FR", purposes=["newsletter"])
    assert storage_path.exists()


def test_a_head_row_moved_back_alone_is_reported_by_name(tmp_path: Path) -> None:
    clock = FrozenClock()
    crm = _open(tmp_path, clock, checkpoint_every=10_000)
    for i in range(3):
        crm.add_subject({"email": f"p{i}@example.fr"}, "FR", purposes=["newsletter"])
    head = _head(tmp_path)
    _sql(tmp_path, f"UPDATE gdprcrm_audit_head SET sequence = {head - 1}")  # noqa: S608
    result = crm.verify_audit()
    assert (result.ok, result.reason) == (False, BreakReason.HEAD_MOVED)


def test_a_rebuilt_unkeyed_trail_fails_its_checkpoint(tmp_path: Path) -> None:
    # The unkeyed chain can be recomputed by anyone; the signed checkpoint cannot.
    clock = FrozenClock()
    crm = _open(tmp_path, clock, audit_key=UNKEYED_AUDIT_CHAIN)
    sid = crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    crm.give_consent(sid, "newsletter", channel="web-form")
    crm.withdraw_consent(sid, "newsletter", channel="web-form")
    crm.checkpoint()
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = uow.audit.range(0)
    rebuilt, previous = [], b""
    for entry in trail:  # "consent.withdrawn" becomes "consent.given", hashes redone
        action = "consent.given" if entry.action == "consent.withdrawn" else entry.action
        draft = attrs.evolve(entry, action=action, previous_hash=b"", hash=b"")
        digest = hashlib.sha256(previous + encode(draft)).digest()
        rebuilt.append(attrs.evolve(draft, previous_hash=previous, hash=digest))
        previous = digest
    with sqlite3.connect(tmp_path / "crm.db") as db:
        for entry in rebuilt:
            db.execute(
                "UPDATE gdprcrm_audit SET doc = ? WHERE sequence = ?",
                (dump(entry), entry.sequence),
            )
    result = crm.verify_audit()
    assert (result.ok, result.reason) == (False, BreakReason.CHECKPOINT)


def test_checkpoints_every_n_entries_and_on_close(tmp_path: Path) -> None:
    clock = FrozenClock()
    crm = _open(tmp_path, clock, checkpoint_every=5)
    for i in range(12):
        crm.add_subject({"email": f"p{i}@example.fr"}, "FR", purposes=["newsletter"])
    filed = CheckpointFile(tmp_path / "crm.db.checkpoints").all()
    assert len(filed) >= 2
    assert all(b.sequence - a.sequence >= 5 for a, b in itertools.pairwise(filed))
    crm.close()
    last = CheckpointFile(tmp_path / "crm.db.checkpoints").latest()
    assert last is not None
    assert last.sequence == _head(tmp_path)  # on close: the head itself
    crm.close()  # twice: nothing more


def test_a_checkpoint_from_another_signer_is_refused(tmp_path: Path) -> None:
    crm, _ = _erased_subject(tmp_path)
    other = CertificateSigner.generate("someone-else")
    with crm.storage.unit_of_work(read_only=True) as uow:
        head = uow.audit.head()
    assert head is not None
    forged = sign_checkpoint(head, other, head.at)
    with pytest.raises(SignatureInvalid):
        crm.verify_audit(checkpoint=forged)


def test_a_damaged_checkpoint_file_names_its_line(tmp_path: Path) -> None:
    crm, clock = _erased_subject(tmp_path)
    crm.close()
    path = tmp_path / "crm.db.checkpoints"
    lines = path.read_text().splitlines()
    body = json.loads(lines[-1])
    body["checkpoint"]["sequence"] += 1
    lines[-1] = json.dumps(body, separators=(",", ":"), sort_keys=True)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SignatureInvalid, match=f"line {len(lines)}"):
        _open(tmp_path, clock)


def test_a_vault_built_by_hand_can_file_checkpoints_too(tmp_path: Path) -> None:
    storage = MemoryStorage()
    vault = KeyVault(storage.key_store(), KEK, signer=SIGNER)
    crm = Controller(
        storage, vault, lumiere.declarations(), audit_key=KEY, checkpoints=tmp_path / "cp"
    )
    crm.add_subject({"email": "lea@example.fr"}, "FR", purposes=["newsletter"])
    assert crm.checkpoint() is not None
    assert CheckpointFile(tmp_path / "cp").latest() == crm.latest_checkpoint

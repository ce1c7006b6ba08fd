"""Restores: after either store comes back from a backup, nothing erased comes back
(Art. 17, 32(1)(c)). On SQLite, the embedded default, with real backup files."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from gdprcrm.errors import AuditTampered, SubjectErased
from gdprcrm.examples import lumiere
from gdprcrm.model import Lookup, SubjectId, SubjectStatus
from gdprcrm.service import Controller
from gdprcrm.signing import CertificateSigner
from gdprcrm.testing import FrozenClock
from gdprcrm.vault import KeyFileKekSource

LEA = {"email": "lea.martin@example.fr", "name": "Léa Martin"}


def _open(folder: Path, clock: FrozenClock, *, restored: bool = False) -> Controller:
    return Controller.open(
        folder / "crm.db",
        lumiere.declarations(),
        kek=KeyFileKekSource.open_or_create(folder / "kek.key"),
        signer=CertificateSigner.open_or_create(folder / "signer.pem", "dpo"),
        clock=clock,
        audit_key=b"restore tests: an audit key of 32+ bytes",
        restored=restored,
    )


def _backup(source: Path, target: Path) -> None:
    """An online, consistent SQLite backup (what an operator's nightly job makes)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _restore(backup: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.write_bytes(backup.read_bytes())


def _subject_and_backups(tmp_path: Path) -> tuple[SubjectId, FrozenClock, bytes]:
    clock = FrozenClock()
    crm = _open(tmp_path, clock)
    sid = crm.add_subject(LEA, "FR", purposes=["newsletter"], birth_date=date(1990, 1, 1))
    with crm.storage.unit_of_work(read_only=True) as uow:
        (email,) = uow.subjects.fields(sid, ["email"])
    crm.close()
    _backup(tmp_path / "crm.db", tmp_path / "data.bak")
    _backup(tmp_path / "crm.db.keys.db", tmp_path / "keys.bak")
    crm = _open(tmp_path, clock)
    assert crm.erase(sid).completed
    crm.close()
    return sid, clock, email.ciphertext


def test_a_restored_data_store_erases_the_subject_again(tmp_path: Path) -> None:
    sid, clock, _ = _subject_and_backups(tmp_path)
    _restore(tmp_path / "data.bak", tmp_path / "crm.db")  # last night's data backup
    # The restored trail ends before the checkpoint signed after the erasure: unless the
    # operator says it was restored, that is a truncation, and nothing may extend it.
    with pytest.raises(AuditTampered, match="truncation"):
        _open(tmp_path, clock)
    crm = _open(tmp_path, clock, restored=True)
    assert crm.subject(sid).status is SubjectStatus.ERASED
    assert crm.values(sid) == {}
    assert crm.find_subject(email=LEA["email"]) == []
    with crm.storage.unit_of_work(read_only=True) as uow:
        trail = uow.audit.range(0)
    assert [e.action for e in trail[-3:]] == [
        "audit.restored",
        "subject.erased-again",
        "storage.reconciled",
    ]
    lost = crm.latest_checkpoint
    assert lost is not None
    assert lost.restore
    assert lost.sequence == trail[-3].sequence
    assert crm.reconcile().changed is False  # once is enough
    assert crm.verify_audit().ok
    crm.close()
    assert _open(tmp_path, clock).verify_audit().ok  # and it opens plainly from now on


def test_a_restored_key_store_cannot_decrypt_what_was_erased(tmp_path: Path) -> None:
    sid, clock, ciphertext = _subject_and_backups(tmp_path)
    _restore(tmp_path / "keys.bak", tmp_path / "crm.db.keys.db")  # the keys came back
    crm = _open(tmp_path, clock)
    with pytest.raises(SubjectErased):
        crm.vault.decrypt(sid, "email", ciphertext)
    with pytest.raises(SubjectErased):
        crm.vault.encrypt(sid, "email", "again")
    crm.close()


def test_both_stores_restored_from_before_the_erasure_lose_the_tombstones(
    tmp_path: Path,
) -> None:
    # What no design can do: with *both* stores restored from before the erasure, every
    # trace of it is gone too. The erasure certificate and the audit checkpoint kept
    # elsewhere are the proof; docs/vault.md says to erase again from them.
    sid, clock, ciphertext = _subject_and_backups(tmp_path)
    _restore(tmp_path / "data.bak", tmp_path / "crm.db")
    _restore(tmp_path / "keys.bak", tmp_path / "crm.db.keys.db")
    crm = _open(tmp_path, clock, restored=True)
    assert crm.subject(sid).status is SubjectStatus.ACTIVE
    assert crm.vault.decrypt(sid, "email", ciphertext) == LEA["email"]
    crm.close()


def test_an_erasure_leaves_no_copy_in_the_sqlite_files(tmp_path: Path) -> None:
    # Art. 17, 32: the blind index (whose key survives erasure) and the ciphertexts must
    # not linger in crm.db's free pages nor in crm.db-wal.
    clock = FrozenClock()
    crm = _open(tmp_path, clock)
    sid = crm.add_subject(
        {"email": "lea.martin@example.fr", "name": "Léa Martin"},
        "FR",
        purposes=["newsletter", "invoicing"],
    )
    with crm.storage.unit_of_work(read_only=True) as uow:
        email = uow.subjects.fields(sid, ["email"])[0].ciphertext
    digest = crm.vault.blind_index(Lookup.EMAIL, "lea.martin@example.fr")
    outcome = crm.erase(sid)  # the name is held for invoicing; the e-mail goes now
    assert not outcome.completed
    files = b"".join(p.read_bytes() for p in tmp_path.glob("crm.db*") if "keys" not in p.name)
    assert digest not in files
    assert email not in files
    crm.close()


def test_a_purged_suppression_entry_leaves_no_copy_in_the_sqlite_files(tmp_path: Path) -> None:
    # Art. 21(3), 5(1)(e): once forgotten, the hashed contact point is gone from the
    # files too (free pages and write-ahead log).
    clock = FrozenClock()
    crm = _open(tmp_path, clock)
    sid = crm.add_subject({"email": "lea.martin@example.fr"}, "FR", purposes=["newsletter"])
    crm.object(sid, direct_marketing=True)
    assert crm.erase(sid).completed
    digest = crm.vault.blind_index(Lookup.EMAIL, "lea.martin@example.fr")
    clock.advance(years=3, days=1)
    assert crm.purge_suppressions() == 1
    files = b"".join(p.read_bytes() for p in tmp_path.glob("crm.db*") if "keys" not in p.name)
    assert digest not in files
    crm.close()

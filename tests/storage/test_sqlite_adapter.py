"""What only the SQLite adapter does: its files, its schema, and surviving SIGKILL."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gdprcrm import errors
from gdprcrm.model import (
    ErasureStep,
    Lookup,
    NotificationEvent,
    PendingErasure,
    RecipientNotification,
    SuppressionEntry,
)
from gdprcrm.storage import _sql
from gdprcrm.storage.sqlite import SQLiteStorage
from gdprcrm.testing.builders import build_subject

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def test_keys_live_in_their_own_file(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "crm.db")
    storage.key_store()
    assert (tmp_path / "crm.db.keys.db").exists()
    storage.close()
    with pytest.raises(errors.InvalidInput):
        SQLiteStorage(tmp_path / "crm.db", key_store_path=tmp_path / "crm.db")


def test_schema_version_is_recorded_and_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    storage = SQLiteStorage(path)
    subject = build_subject()
    with storage.unit_of_work() as uow:
        uow.subjects.add(subject)
        uow.commit()
    storage.close()
    raw = sqlite3.connect(path)
    assert raw.execute(
        "SELECT value FROM gdprcrm_meta WHERE name = 'schema_version'"
    ).fetchone() == (str(_sql.SCHEMA_VERSION),)
    raw.close()
    again = SQLiteStorage(path)
    with again.unit_of_work() as uow:
        assert uow.subjects.get(subject.id) == subject
    again.close()


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    SQLiteStorage(path).close()
    raw = sqlite3.connect(path)
    raw.execute(
        "UPDATE gdprcrm_meta SET value = ? WHERE name = 'schema_version'",
        (str(_sql.SCHEMA_VERSION + 1),),
    )
    raw.commit()
    raw.close()
    with pytest.raises(errors.SchemaTooNew, match="newer"):
        SQLiteStorage(path)


def test_a_version_1_database_is_migrated_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE gdprcrm_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for statement in _sql.MIGRATIONS[1]:
        raw.execute(statement.format(blob="BLOB", bigint="INTEGER"))
    raw.execute("INSERT INTO gdprcrm_meta VALUES ('schema_version', '1')")
    raw.commit()
    raw.close()
    storage = SQLiteStorage(path)
    with storage.unit_of_work() as uow:
        uow.suppressions.add(SuppressionEntry(b"\x01" * 32, Lookup.EMAIL, T0))
        subject = build_subject()
        uow.subjects.add(subject)
        note = RecipientNotification(subject.id, "mailer", NotificationEvent.ERASURE, T0)
        uow.notifications.add(note)  # version 3
        uow.commit()
    with storage.unit_of_work(read_only=True) as uow:
        assert uow.notifications.pending() == [note]
    storage.close()
    raw = sqlite3.connect(path)
    version = raw.execute("SELECT value FROM gdprcrm_meta WHERE name = 'schema_version'")
    assert version.fetchone() == (str(_sql.SCHEMA_VERSION),)
    raw.close()


def test_pragmas(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "crm.db")
    db = storage._connection()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
    storage.close()


def test_not_a_database_gives_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    path.write_bytes(b"this is not an sqlite file" * 100)
    with pytest.raises(errors.DatabaseError):
        SQLiteStorage(path)


CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from gdprcrm.model import PersonalField
    from gdprcrm.storage.sqlite import SQLiteStorage
    from gdprcrm.testing.builders import build_subject

    storage = SQLiteStorage(sys.argv[1])
    with storage.unit_of_work() as uow:
        for _ in range(300):
            s = build_subject()
            uow.subjects.add(s)
            uow.subjects.put_fields([PersonalField(s.id, "email", b"x" * 200,
                                                   datetime.now(UTC))])
        print("in-transaction", flush=True)
        time.sleep(60)
        uow.commit()
    """
)


def test_a_process_killed_mid_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    storage = SQLiteStorage(path)
    kept = build_subject()
    with storage.unit_of_work() as uow:
        uow.subjects.add(kept)
        uow.commit()
    storage.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "in-transaction"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    reopened = SQLiteStorage(path)
    with reopened.unit_of_work() as uow:
        assert uow.subjects.count() == 1
        assert uow.subjects.get(kept.id) == kept
    db = reopened._connection()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened.close()


def test_version_4_moves_the_old_erasure_markers_to_their_own_table(tmp_path: Path) -> None:
    # 0.1 kept an erasure in progress as a retention row with the purpose id
    # 'gdprcrm-erasure' (which a declared purpose could also use); version 4 moves them.
    path = tmp_path / "v3.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE gdprcrm_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for version in (1, 2, 3):
        for statement in _sql.MIGRATIONS[version]:
            raw.execute(statement.format(blob="BLOB", bigint="INTEGER"))
    raw.execute("INSERT INTO gdprcrm_meta VALUES ('schema_version', '3')")
    pending, kept = build_subject(), build_subject()
    raw.execute(
        "INSERT INTO gdprcrm_retention VALUES (?, 'gdprcrm-erasure', ?, 'erase')",
        (pending.id.bytes, _sql.ts(T0)),
    )
    raw.execute(
        "INSERT INTO gdprcrm_retention VALUES (?, 'newsletter', ?, 'erase')",
        (kept.id.bytes, _sql.ts(T0)),
    )
    raw.commit()
    raw.close()
    storage = SQLiteStorage(path)
    with storage.unit_of_work(read_only=True) as uow:
        (moved,) = uow.erasures.due_before(T0)
        assert moved == PendingErasure(pending.id, T0, ErasureStep.STARTED, resume_at=T0)
        assert [d.subject_id for d in uow.retention.due_before(T0)] == [kept.id]
    storage.close()


def test_version_8_keeps_every_suppression_entry_as_an_objection_to_every_channel(
    tmp_path: Path,
) -> None:
    # Before version 8 an entry meant "objected to all direct marketing"; after, the
    # list is per channel and those entries keep that meaning (channel '' = all).
    path = tmp_path / "v7.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE gdprcrm_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for version in range(1, 8):
        for statement in _sql.MIGRATIONS[version]:
            raw.execute(statement.format(blob="BLOB", bigint="INTEGER"))
    raw.execute("INSERT INTO gdprcrm_meta VALUES ('schema_version', '7')")
    digest = b"\x09" * 32
    raw.execute("INSERT INTO gdprcrm_suppressions VALUES ('email', ?, ?)", (digest, _sql.ts(T0)))
    raw.commit()
    raw.close()
    storage = SQLiteStorage(path)
    with storage.unit_of_work(read_only=True) as uow:
        assert uow.suppressions.contains(Lookup.EMAIL, digest)
        assert uow.suppressions.scopes(Lookup.EMAIL, digest) == {None}
    storage.close()

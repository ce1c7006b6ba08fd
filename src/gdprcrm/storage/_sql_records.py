"""The SQL repository of records (private; shared by SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from gdprcrm.model import Record, RecordId, SubjectId
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import IN_CHUNK, Repo, from_ts, sid_of, trusted, ts

__all__ = ["Records"]

_INSERT = (
    "INSERT INTO gdprcrm_records (id, subject_id, kind, dated, created_at, updated_at, "
    "due_at, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_BY_ID = (
    "SELECT id, subject_id, kind, dated, created_at, updated_at, due_at, ciphertext "
    "FROM gdprcrm_records WHERE id = ?"
)
_SELECT = (
    "SELECT id, subject_id, kind, dated, created_at, updated_at, due_at, ciphertext "
    "FROM gdprcrm_records"
)
_BY_SUBJECT = _SELECT + " WHERE subject_id = ?"
_BY_SUBJECT_KIND = _SELECT + " WHERE subject_id = ? AND kind = ?"
_DUE = (
    "SELECT id, subject_id, kind, dated, created_at, updated_at, due_at, ciphertext "
    "FROM gdprcrm_records WHERE due_at <= ? ORDER BY due_at, id LIMIT ?"
)


class Records(Repo, p.RecordRepository):
    def _row(self, row: Any) -> Record:
        rid, subject, kind, dated, created, updated, due, ciphertext = row
        return trusted(
            Record,
            trusted(RecordId, uuid.UUID(bytes=bytes(rid))),
            sid_of(subject),
            kind,
            from_ts(dated),
            from_ts(created),
            from_ts(updated),
            from_ts(due),
            bytes(ciphertext),
        )

    def _add(self, record: Record) -> None:
        self._w(
            _INSERT,
            (
                record.id.value.bytes,
                record.subject_id.bytes,
                record.kind,
                ts(record.dated),
                ts(record.created_at),
                ts(record.updated_at),
                ts(record.due_at),
                record.ciphertext,
            ),
        )

    def _find(self, record_id: RecordId) -> Record | None:
        row = self._run(_BY_ID, (record_id.value.bytes,)).fetchone()
        return None if row is None else self._row(row)

    def _update(self, record: Record) -> None:
        self._w(
            "UPDATE gdprcrm_records SET dated = ?, updated_at = ?, due_at = ?, ciphertext = ? "
            "WHERE id = ?",
            (
                ts(record.dated),
                ts(record.updated_at),
                ts(record.due_at),
                record.ciphertext,
                record.id.value.bytes,
            ),
        )

    def _delete(self, record_id: RecordId) -> bool:
        cursor = self._w("DELETE FROM gdprcrm_records WHERE id = ?", (record_id.value.bytes,))
        return bool(cursor.rowcount)

    def _delete_many(self, record_ids: Sequence[RecordId]) -> int:
        self._u.check_writable()
        total = 0
        for first in range(0, len(record_ids), IN_CHUNK):
            chunk = [r.value.bytes for r in record_ids[first : first + IN_CHUNK]]
            marks = ", ".join("?" * len(chunk))
            sql = f"DELETE FROM gdprcrm_records WHERE id IN ({marks})"  # noqa: S608 - marks
            total += self._u.run(sql, chunk).rowcount
        return total

    def _for_subject(self, subject_id: SubjectId, kind: str | None) -> Iterable[Record]:
        if kind is None:
            rows = self._run(
                _BY_SUBJECT,
                (subject_id.bytes,),
            )
        else:
            rows = self._run(
                _BY_SUBJECT_KIND,
                (subject_id.bytes, kind),
            )
        return [self._row(r) for r in rows.fetchall()]

    def _for_subjects(
        self, subject_ids: Sequence[SubjectId], kind: str | None
    ) -> Iterable[Record]:
        if kind is None:
            rows = self._read_each(_SELECT + " WHERE subject_id IN", subject_ids)
        else:
            rows = self._read_each(
                _SELECT + " WHERE kind = ? AND subject_id IN", subject_ids, params=(kind,)
            )
        return [self._row(r) for r in rows]

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        cursor = self._w("DELETE FROM gdprcrm_records WHERE subject_id = ?", (subject_id.bytes,))
        return cursor.rowcount

    def _due_before(self, at: datetime, limit: int) -> Iterable[Record]:
        # Indexed range read on gdprcrm_records_due: proportional to what is due.
        rows = self._run(
            _DUE,
            (ts(at), limit),
        )
        return [self._row(r) for r in rows.fetchall()]

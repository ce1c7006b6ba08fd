"""The in-memory adapter's records (private; see :mod:`gdprcrm.storage.memory`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from gdprcrm.errors import DuplicateRecord, IntegrityError
from gdprcrm.model import Record, RecordId, SubjectId
from gdprcrm.storage import protocols as p

if TYPE_CHECKING:
    from gdprcrm.storage.memory import _MemoryUnit

__all__ = ["MemoryRecords"]


class MemoryRecords(p.RecordRepository):
    def __init__(self, uow: _MemoryUnit) -> None:
        self._u = uow

    def _add(self, record: Record) -> None:
        if record.subject_id not in self._u.table("subjects"):
            raise IntegrityError(f"record for unknown subject {record.subject_id}")
        table = self._u.table("records")
        if record.id in table:
            raise DuplicateRecord(f"record {record.id} exists")
        table.put(record.id, record)

    def _find(self, record_id: RecordId) -> Record | None:
        found: Record | None = self._u.table("records").get(record_id)
        return found

    def _update(self, record: Record) -> None:
        self._u.table("records").put(record.id, record)

    def _delete(self, record_id: RecordId) -> bool:
        table = self._u.table("records")
        if record_id not in table:
            return False
        table.delete(record_id)
        return True

    def _for_subject(self, subject_id: SubjectId, kind: str | None) -> Iterable[Record]:
        return self._u.table("records").where(
            lambda r: r.subject_id == subject_id and (kind is None or r.kind == kind)
        )

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        table = self._u.table("records")
        doomed = [r.id for r in self._for_subject(subject_id, None)]
        for key in doomed:
            table.delete(key)
        return len(doomed)

    def _due_before(self, at: datetime, limit: int) -> Iterable[Record]:
        return self._u.table("records").where(lambda r: r.due_at <= at)

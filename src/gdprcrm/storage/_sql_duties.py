"""The SQL duties repository: the Art. 14 information owed, one row per subject."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gdprcrm.model import DutyStatus, InformationDuty, SubjectId
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import Repo, dump, load, ts

__all__ = ["Duties"]


class Duties(Repo, p.DutyRepository):
    def _add(self, duty: InformationDuty) -> None:
        self._w(
            "INSERT INTO gdprcrm_duties VALUES (?, ?, ?, ?)",
            (duty.subject_id.bytes, duty.status.value, ts(duty.due_at), dump(duty)),
        )

    def _update(self, duty: InformationDuty) -> bool:
        cursor = self._w(
            "UPDATE gdprcrm_duties SET status = ?, due_at = ?, doc = ? WHERE subject_id = ?",
            (duty.status.value, ts(duty.due_at), dump(duty), duty.subject_id.bytes),
        )
        return cursor.rowcount > 0

    def _get(self, subject_id: SubjectId) -> InformationDuty | None:
        row = self._run(
            "SELECT doc FROM gdprcrm_duties WHERE subject_id = ?", (subject_id.bytes,)
        ).fetchone()
        return None if row is None else load(row[0], InformationDuty)

    def _pending(self, limit: int) -> Iterable[InformationDuty]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_duties WHERE status = ? ORDER BY due_at LIMIT ?",
            (DutyStatus.PENDING.value, limit),
        ).fetchall()
        return [load(r[0], InformationDuty) for r in rows]

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        cursor = self._w("DELETE FROM gdprcrm_duties WHERE subject_id = ?", (subject_id.bytes,))
        return cursor.rowcount

    def _delete_for_subjects(self, subject_ids: Sequence[SubjectId]) -> int:
        return self._w_each("DELETE FROM gdprcrm_duties WHERE subject_id IN", subject_ids)

"""The SQL repositories of the subject's own choices and requests: consents (Art. 7),
objections (Art. 21), restrictions (Art. 18), data-subject requests (Art. 12-22)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from gdprcrm.model import (
    ConsentEvent,
    DataSubjectRequest,
    Objection,
    Restriction,
    SubjectId,
)
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import _OPEN_STATUSES, Repo, dump, load, ts

__all__ = ["Consents", "Objections", "Requests", "Restrictions"]


class Consents(Repo, p.ConsentRepository):
    def _append(self, event: ConsentEvent) -> None:
        self._w(
            "INSERT INTO gdprcrm_consents VALUES (?, ?, ?, ?, ?)",
            (
                event.id.bytes,
                event.subject_id.bytes,
                event.purpose_id,
                ts(event.at),
                dump(event, ConsentEvent),
            ),
        )

    def _history(
        self, subject_id: SubjectId, purpose_id: str | None, until: datetime | None
    ) -> Iterable[ConsentEvent]:
        sql = "SELECT doc FROM gdprcrm_consents WHERE subject_id = ?"
        params: list[Any] = [subject_id.bytes]
        if purpose_id is not None:
            sql += " AND purpose_id = ?"
            params.append(purpose_id)
        if until is not None:
            sql += " AND at <= ?"
            params.append(ts(until))
        rows = self._run(sql + " ORDER BY at", params).fetchall()
        return [load(r[0], ConsentEvent) for r in rows]  # type: ignore[arg-type]

    def _histories(self, subject_ids: Sequence[SubjectId]) -> Iterable[ConsentEvent]:
        sql = "SELECT doc FROM gdprcrm_consents WHERE subject_id IN"
        return self._docs_each(sql, subject_ids, ConsentEvent)  # type: ignore[arg-type]


class Objections(Repo, p.ObjectionRepository):
    def _add(self, objection: Objection) -> None:
        self._w(
            "INSERT INTO gdprcrm_objections VALUES (?, ?, ?)",
            (objection.id.bytes, objection.subject_id.bytes, dump(objection)),
        )

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Objection]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_objections WHERE subject_id = ?", (subject_id.bytes,)
        ).fetchall()
        return [load(r[0], Objection) for r in rows]

    def _for_subjects(self, subject_ids: Sequence[SubjectId]) -> Iterable[Objection]:
        sql = "SELECT doc FROM gdprcrm_objections WHERE subject_id IN"
        return self._docs_each(sql, subject_ids, Objection)


class Restrictions(Repo, p.RestrictionRepository):
    def _add(self, restriction: Restriction) -> None:
        self._w(
            "INSERT INTO gdprcrm_restrictions VALUES (?, ?, ?)",
            (restriction.id.bytes, restriction.subject_id.bytes, dump(restriction)),
        )

    def _update(self, restriction: Restriction) -> bool:
        return (
            self._w(
                "UPDATE gdprcrm_restrictions SET doc = ? WHERE id = ? AND subject_id = ?",
                (dump(restriction), restriction.id.bytes, restriction.subject_id.bytes),
            ).rowcount
            > 0
        )

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Restriction]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_restrictions WHERE subject_id = ?", (subject_id.bytes,)
        ).fetchall()
        return [load(r[0], Restriction) for r in rows]

    def _for_subjects(self, subject_ids: Sequence[SubjectId]) -> Iterable[Restriction]:
        sql = "SELECT doc FROM gdprcrm_restrictions WHERE subject_id IN"
        return self._docs_each(sql, subject_ids, Restriction)


def _request_row(r: DataSubjectRequest) -> tuple[Any, ...]:
    return (r.status.value, ts(p.effective_due(r)), dump(r))


class Requests(Repo, p.RequestRepository):
    def _add(self, request: DataSubjectRequest) -> None:
        self._w(
            "INSERT INTO gdprcrm_requests VALUES (?, ?, ?, ?, ?)",
            (request.id.bytes, request.subject_id.bytes, *_request_row(request)),
        )

    def _get(self, request_id: uuid.UUID) -> DataSubjectRequest | None:
        row = self._run(
            "SELECT doc FROM gdprcrm_requests WHERE id = ?", (request_id.bytes,)
        ).fetchone()
        return None if row is None else load(row[0], DataSubjectRequest)

    def _update(self, request: DataSubjectRequest) -> bool:
        return (
            self._w(
                "UPDATE gdprcrm_requests SET status = ?, due = ?, doc = ? "
                "WHERE id = ? AND subject_id = ?",
                (*_request_row(request), request.id.bytes, request.subject_id.bytes),
            ).rowcount
            > 0
        )

    def _for_subject(self, subject_id: SubjectId) -> Iterable[DataSubjectRequest]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_requests WHERE subject_id = ?", (subject_id.bytes,)
        ).fetchall()
        return [load(r[0], DataSubjectRequest) for r in rows]

    def _for_subjects(self, subject_ids: Sequence[SubjectId]) -> Iterable[DataSubjectRequest]:
        sql = "SELECT doc FROM gdprcrm_requests WHERE subject_id IN"
        return self._docs_each(sql, subject_ids, DataSubjectRequest)

    def _open_by_due(self, limit: int) -> Iterable[DataSubjectRequest]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_requests WHERE status IN (?, ?, ?) ORDER BY due LIMIT ?",
            (*_OPEN_STATUSES, limit),
        ).fetchall()
        return [load(r[0], DataSubjectRequest) for r in rows]

"""The SQL repositories of the erasure lifecycle: erasures in progress, the data store's
copy of every tombstone and every signed erasure certificate (private)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from gdprcrm.model import ErasureStep, PendingErasure, SubjectId
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import Repo, from_ts, sid_of, trusted, ts
from gdprcrm.vault._rows import destroyed_text, tombstone_from_row
from gdprcrm.vault.certificate import ErasureCertificate
from gdprcrm.vault.keystore import Tombstone

__all__ = ["Certificates", "Erasures", "Tombstones"]

_STEPS = {s.value: s for s in ErasureStep}


class Erasures(Repo, p.ErasureRepository):
    def _row(self, row: Any) -> PendingErasure:
        subject, started, step, resume = row
        return trusted(
            PendingErasure,
            sid_of(subject),
            from_ts(started),
            _STEPS[step],
            None if resume is None else from_ts(resume),
        )

    def _values(self, e: PendingErasure) -> tuple[Any, ...]:
        resume = None if e.resume_at is None else ts(e.resume_at)
        return (e.subject_id.bytes, ts(e.started_at), e.step.value, resume)

    def _add(self, pending: PendingErasure) -> None:
        self._w("INSERT INTO gdprcrm_erasures VALUES (?, ?, ?, ?)", self._values(pending))

    def _find(self, subject_id: SubjectId) -> PendingErasure | None:
        row = self._run(
            "SELECT subject_id, started_at, step, resume_at FROM gdprcrm_erasures "
            "WHERE subject_id = ?",
            (subject_id.bytes,),
        ).fetchone()
        return None if row is None else self._row(row)

    def _update(self, pending: PendingErasure) -> bool:
        sid, started, step, resume = self._values(pending)
        return bool(
            self._w(
                "UPDATE gdprcrm_erasures SET started_at = ?, step = ?, resume_at = ? "
                "WHERE subject_id = ?",
                (started, step, resume, sid),
            ).rowcount
        )

    def _remove(self, subject_id: SubjectId) -> bool:
        return bool(
            self._w(
                "DELETE FROM gdprcrm_erasures WHERE subject_id = ?", (subject_id.bytes,)
            ).rowcount
        )

    def _remove_many(self, subject_ids: Sequence[SubjectId]) -> int:
        return self._w_each("DELETE FROM gdprcrm_erasures WHERE subject_id IN", subject_ids)

    def _due_before(self, at: datetime, limit: int) -> Iterable[PendingErasure]:
        # Indexed range read on gdprcrm_erasures_due: proportional to what is due.
        rows = self._run(
            "SELECT subject_id, started_at, step, resume_at FROM gdprcrm_erasures "
            "WHERE resume_at IS NOT NULL AND resume_at <= ? ORDER BY resume_at LIMIT ?",
            (ts(at), limit),
        ).fetchall()
        return [self._row(r) for r in rows]


class Tombstones(Repo, p.TombstoneRepository):
    def _add(self, tombstone: Tombstone) -> None:
        self._w(
            "INSERT INTO gdprcrm_tombstones VALUES (?, ?, ?) ON CONFLICT (subject_id) DO NOTHING",
            (
                tombstone.subject_id.bytes,
                tombstone.shredded_at.isoformat(),
                destroyed_text(tombstone.destroyed),
            ),
        )

    def _add_many(self, tombstones: Sequence[Tombstone]) -> None:
        self._many(
            "INSERT INTO gdprcrm_tombstones VALUES (?, ?, ?) ON CONFLICT (subject_id) DO NOTHING",
            [
                (t.subject_id.bytes, t.shredded_at.isoformat(), destroyed_text(t.destroyed))
                for t in tombstones
            ],
        )

    def _all(self) -> Iterable[Tombstone]:
        rows = self._run("SELECT subject_id, shredded_at, destroyed FROM gdprcrm_tombstones")
        return [tombstone_from_row(r) for r in rows.fetchall()]


class Certificates(Repo, p.CertificateRepository):
    """The canonical wire form of each certificate, read back only if still canonical."""

    def _add_many(self, certificates: Sequence[ErasureCertificate]) -> None:
        self._many(
            "INSERT INTO gdprcrm_certificates VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            [
                (c.certificate_id.bytes, c.subject_id.bytes, c.issued_at.isoformat(), c.to_json())
                for c in certificates
            ],
        )

    def _get(self, certificate_id: uuid.UUID) -> ErasureCertificate | None:
        row = self._run(
            "SELECT doc FROM gdprcrm_certificates WHERE id = ?", (certificate_id.bytes,)
        ).fetchone()
        return None if row is None else ErasureCertificate.from_json(row[0])

    def _for_subject(self, subject_id: SubjectId) -> Iterable[ErasureCertificate]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_certificates WHERE subject_id = ?", (subject_id.bytes,)
        ).fetchall()
        return [ErasureCertificate.from_json(r[0]) for r in rows]

"""The SQL accountability repositories: the audit chain and the breach register
(Art. 5(2), 33(5))."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC

from gdprcrm.model import AuditEntry, Breach
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import _ENCODER, Repo, dump, load, ts

__all__ = ["Audit", "Breaches", "entry_doc"]


def entry_doc(entry: AuditEntry) -> str:
    """``dump(entry)``, built without the converter (a sweep stores two entries per
    person): the same keys in the same order, the same encodings (a test compares)."""
    subject = entry.subject_id
    return _ENCODER.encode(
        {
            "sequence": entry.sequence,
            "at": entry.at.astimezone(UTC).isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "subject_id": None if subject is None else str(subject),
            "purpose_id": entry.purpose_id,
            "details": dict(entry.details),
            "previous_hash": entry.previous_hash.hex(),
            "hash": entry.hash.hex(),
        }
    )


class Audit(Repo, p.AuditRepository):
    def _head(self, *, for_update: bool) -> AuditEntry | None:
        self._send()
        lock = self._u.dialect.for_update if for_update and not self._u.read_only else ""
        head = self._run("SELECT sequence FROM gdprcrm_audit_head WHERE one = 1" + lock).fetchone()
        if head is None or head[0] < 0:
            return None
        row = self._run("SELECT doc FROM gdprcrm_audit WHERE sequence = ?", (head[0],)).fetchone()
        return None if row is None else load(row[0], AuditEntry)

    _head_to_write: int | None = None
    """The sequence the head row must name at commit: the unit holds the head's lock
    (SQLite's write lock, PostgreSQL's row lock from the first read), so it is written
    once per unit, not once per entry; a unit that does not commit writes nothing."""

    _to_insert: list[tuple[int, str]] | None = None
    """Entries appended but not yet sent: one ``executemany`` before the unit reads the
    trail or commits (a sweep appends two per person)."""

    def _append(self, entry: AuditEntry) -> None:
        self._u.check_writable()
        row = (entry.sequence, entry_doc(entry))
        if self._to_insert is None:
            self._to_insert = [row]
        else:
            self._to_insert.append(row)
        self._head_to_write = entry.sequence

    def _send(self) -> None:
        rows = self._to_insert
        if rows:
            self._to_insert = None
            self._many("INSERT INTO gdprcrm_audit VALUES (?, ?)", rows)

    def flush(self) -> None:
        """Write the entries appended and the head row (called by the unit just before
        it commits)."""
        self._send()
        if self._head_to_write is not None:
            self._w(
                "UPDATE gdprcrm_audit_head SET sequence = ? WHERE one = 1", (self._head_to_write,)
            )
            self._head_to_write = None

    def _range(self, start: int, stop: int | None) -> Iterable[AuditEntry]:
        self._send()
        if stop is None:
            rows = self._run(
                "SELECT doc FROM gdprcrm_audit WHERE sequence >= ? ORDER BY sequence", (start,)
            ).fetchall()
        else:
            rows = self._run(
                "SELECT doc FROM gdprcrm_audit WHERE sequence >= ? AND sequence < ? "
                "ORDER BY sequence",
                (start, stop),
            ).fetchall()
        return [load(r[0], AuditEntry) for r in rows]


class Breaches(Repo, p.BreachRepository):
    def _add(self, breach: Breach) -> None:
        self._w(
            "INSERT INTO gdprcrm_breaches VALUES (?, ?, ?)",
            (breach.id.bytes, ts(breach.aware_at), dump(breach)),
        )

    def _get(self, breach_id: uuid.UUID) -> Breach | None:
        row = self._run(
            "SELECT doc FROM gdprcrm_breaches WHERE id = ?", (breach_id.bytes,)
        ).fetchone()
        return None if row is None else load(row[0], Breach)

    def _update(self, breach: Breach) -> bool:
        return (
            self._w(
                "UPDATE gdprcrm_breaches SET aware_at = ?, doc = ? WHERE id = ?",
                (ts(breach.aware_at), dump(breach), breach.id.bytes),
            ).rowcount
            > 0
        )

    def _all(self) -> Iterable[Breach]:
        rows = self._run("SELECT doc FROM gdprcrm_breaches ORDER BY aware_at").fetchall()
        return [load(r[0], Breach) for r in rows]

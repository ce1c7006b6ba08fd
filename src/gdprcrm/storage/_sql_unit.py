"""The SQL unit of work and its repositories, shared by SQLite and PostgreSQL (private).

The statements use the helpers and the schema of :mod:`gdprcrm.storage._sql`; a concrete
adapter subclasses :class:`SqlUnit` with its connection's ``run`` and ``run_many``.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

import attrs

from gdprcrm.errors import InterfaceError, ReadOnlyUnit
from gdprcrm.model import (
    BlindIndexEntry,
    Channel,
    Interaction,
    Lookup,
    PersonalField,
    RecipientNotification,
    RetentionDue,
    Subject,
    SubjectId,
    SuppressionEntry,
)
from gdprcrm.storage import protocols as p
from gdprcrm.storage._sql import (
    _ACTIONS,
    Cursor,
    Dialect,
    Repo,
    dump,
    from_ts,
    load,
    sid_of,
    trusted,
    ts,
)
from gdprcrm.storage._sql_audit import Audit, Breaches
from gdprcrm.storage._sql_choices import Consents, Objections, Requests, Restrictions
from gdprcrm.storage._sql_duties import Duties
from gdprcrm.storage._sql_erasure import Certificates, Erasures, Tombstones
from gdprcrm.storage._sql_notices import Notices
from gdprcrm.storage._sql_records import Records

__all__ = ["SqlUnit"]

R = TypeVar("R", bound=p.Repository)


class _Lazy(Generic[R]):
    """A repository attribute built on first access, then cached on the unit."""

    def __init__(self, build: Callable[[SqlUnit], R]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, unit: None, owner: type) -> _Lazy[R]: ...

    @overload
    def __get__(self, unit: SqlUnit, owner: type) -> R: ...

    def __get__(self, unit: SqlUnit | None, owner: type) -> R | _Lazy[R]:
        if unit is None:
            return self
        repository = self._build(unit)
        repository._owner = unit
        unit.__dict__[self._name] = repository  # later reads skip this descriptor
        return repository


class SqlUnit(p.UnitOfWork):
    """The repositories over one connection in one transaction."""

    def __init__(self, dialect: Dialect, *, read_only: bool = False) -> None:
        self.dialect = dialect
        self.read_only = read_only

    # Each repository is built on first use: a unit that reads one table pays for one.
    subjects = _Lazy(lambda u: _Subjects(u))
    consents = _Lazy(lambda u: Consents(u))
    objections = _Lazy(lambda u: Objections(u))
    restrictions = _Lazy(lambda u: Restrictions(u))
    requests = _Lazy(lambda u: Requests(u))
    interactions = _Lazy(lambda u: _Interactions(u))
    audit = _Lazy(lambda u: Audit(u))
    breaches = _Lazy(lambda u: Breaches(u))
    retention = _Lazy(lambda u: _Retention(u))
    suppressions = _Lazy(lambda u: _Suppressions(u))
    notifications = _Lazy(lambda u: _Notifications(u))
    erasures = _Lazy(lambda u: Erasures(u))
    tombstones = _Lazy(lambda u: Tombstones(u))
    certificates = _Lazy(lambda u: Certificates(u))
    records = _Lazy(lambda u: Records(u))
    notices = _Lazy(lambda u: Notices(u))
    duties = _Lazy(lambda u: Duties(u))

    @abc.abstractmethod
    def run(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Execute one statement (``?`` placeholders) in this unit's transaction."""

    @abc.abstractmethod
    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def commit(self) -> None:
        """Write what the repositories deferred to the end of the unit (the audit chain's
        head), then commit: both in the one transaction."""
        audit = self.__dict__.get("audit")
        if audit is not None and self.active:
            audit.flush()
        super().commit()

    def check_active(self) -> None:
        if not self.active:
            raise InterfaceError("repository used outside an open unit of work")

    def check_writable(self) -> None:
        self.check_active()
        if self.read_only:
            raise ReadOnlyUnit("a write in a read-only unit of work")


class _Subjects(Repo, p.SubjectRepository):
    def _add_many(self, subjects: Sequence[Subject]) -> None:
        self._many(
            "INSERT INTO gdprcrm_subjects VALUES (?, ?, ?)",
            [(s.id.bytes, s.status.value, dump(s)) for s in subjects],
        )

    def _find(self, subject_id: SubjectId, *, for_update: bool) -> Subject | None:
        if for_update:
            self._u.check_writable()
        lock = self._u.dialect.for_update if for_update else ""
        row = self._run(
            "SELECT doc FROM gdprcrm_subjects WHERE id = ?" + lock, (subject_id.bytes,)
        ).fetchone()
        return None if row is None else load(row[0], Subject)

    def _find_many(
        self, subject_ids: Sequence[SubjectId], *, for_update: bool
    ) -> Iterable[Subject]:
        if for_update:
            self._u.check_writable()
        # Locked in id order: within a statement by ORDER BY, across chunks because the
        # port passes the ids sorted by their bytes.
        lock = " ORDER BY id" + (self._u.dialect.for_update if for_update else "")
        sql = "SELECT doc FROM gdprcrm_subjects WHERE id IN"
        return self._docs_each(sql, subject_ids, Subject, lock)

    def _update(self, subject: Subject) -> bool:
        cur = self._w(
            "UPDATE gdprcrm_subjects SET status = ?, doc = ? WHERE id = ?",
            (subject.status.value, dump(subject), subject.id.bytes),
        )
        return cur.rowcount > 0

    def _update_many(self, subjects: Sequence[Subject]) -> bool:
        found = self._read_each(
            "SELECT COUNT(*) FROM gdprcrm_subjects WHERE id IN", [s.id for s in subjects]
        )
        if sum(row[0] for row in found) != len(subjects):
            return False
        self._many(
            "UPDATE gdprcrm_subjects SET status = ?, doc = ? WHERE id = ?",
            [(s.status.value, dump(s), s.id.bytes) for s in subjects],
        )
        return True

    def _delete_fields_of(self, subject_ids: Sequence[SubjectId]) -> int:
        return self._w_each("DELETE FROM gdprcrm_fields WHERE subject_id IN", subject_ids)

    def _delete_index_of(self, subject_ids: Sequence[SubjectId]) -> int:
        return self._w_each("DELETE FROM gdprcrm_index WHERE subject_id IN", subject_ids)

    def _count(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM gdprcrm_subjects").fetchone()[0])

    def _ids(self, after: SubjectId | None, limit: int) -> Iterable[SubjectId]:
        rows = self._run(
            "SELECT id FROM gdprcrm_subjects WHERE id > ? ORDER BY id LIMIT ?",
            (b"" if after is None else after.bytes, limit),
        ).fetchall()
        return [SubjectId(uuid.UUID(bytes=bytes(row[0]))) for row in rows]

    def _put_fields(self, fields: Sequence[PersonalField]) -> None:
        self._many(
            "INSERT INTO gdprcrm_fields VALUES (?, ?, ?, ?) ON CONFLICT (subject_id, name) "
            "DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
            [(f.subject_id.bytes, f.name, f.ciphertext, ts(f.updated_at)) for f in fields],
        )

    def _fields(
        self, subject_id: SubjectId, names: frozenset[str] | None
    ) -> Iterable[PersonalField]:
        sql = "SELECT name, ciphertext, updated_at FROM gdprcrm_fields WHERE subject_id = ?"
        params: list[Any] = [subject_id.bytes]
        if names is not None:
            if not names:
                return []
            sql += " AND name IN (" + ", ".join("?" * len(names)) + ")"
            params.extend(sorted(names))
        rows = self._run(sql, params).fetchall()
        return [trusted(PersonalField, subject_id, n, bytes(c), from_ts(u)) for n, c, u in rows]

    def _fields_of(
        self, subject_ids: Sequence[SubjectId], names: frozenset[str] | None
    ) -> Iterable[PersonalField]:
        sql = "SELECT subject_id, name, ciphertext, updated_at FROM gdprcrm_fields WHERE"
        params: list[str] = []
        if names is not None:
            sql += " name IN (" + ", ".join("?" * len(names)) + ") AND"
            params.extend(sorted(names))
        rows = self._read_each(sql + " subject_id IN", subject_ids, params=params)
        asked = {sid.bytes: sid for sid in subject_ids}  # the rows name them: no new ids
        return [
            trusted(PersonalField, asked.get(bytes(s)) or sid_of(s), n, bytes(c), from_ts(u))
            for s, n, c, u in rows
        ]

    def _delete_fields(self, subject_id: SubjectId, names: frozenset[str] | None) -> int:
        if names is None:
            cur = self._w("DELETE FROM gdprcrm_fields WHERE subject_id = ?", (subject_id.bytes,))
            return cur.rowcount
        total = 0
        for name in sorted(names):
            cur = self._w(
                "DELETE FROM gdprcrm_fields WHERE subject_id = ? AND name = ?",
                (subject_id.bytes, name),
            )
            total += cur.rowcount
        return total

    def _put_index(self, entries: Sequence[BlindIndexEntry]) -> None:
        self._many(
            "INSERT INTO gdprcrm_index VALUES (?, ?, ?, ?) ON CONFLICT (subject_id, field) "
            "DO UPDATE SET kind = excluded.kind, digest = excluded.digest",
            [(e.subject_id.bytes, e.field, e.kind.value, e.digest) for e in entries],
        )

    def _find_by_index(self, kind: Lookup, digest: bytes) -> Iterable[SubjectId]:
        rows = self._run(
            "SELECT DISTINCT subject_id FROM gdprcrm_index WHERE kind = ? AND digest = ?",
            (kind.value, digest),
        ).fetchall()
        return [sid_of(r[0]) for r in rows]

    def _delete_index(self, subject_id: SubjectId) -> int:
        return self._w(
            "DELETE FROM gdprcrm_index WHERE subject_id = ?", (subject_id.bytes,)
        ).rowcount

    def _delete_fields_many(self, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        return self._w_pairs("DELETE FROM gdprcrm_fields WHERE (subject_id, name) IN", pairs)

    def _delete_index_many(self, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        return self._w_pairs("DELETE FROM gdprcrm_index WHERE (subject_id, field) IN", pairs)

    def _delete_index_fields(self, subject_id: SubjectId, fields: frozenset[str]) -> int:
        return sum(
            self._w(
                "DELETE FROM gdprcrm_index WHERE subject_id = ? AND field = ?",
                (subject_id.bytes, name),
            ).rowcount
            for name in sorted(fields)
        )


class _Interactions(Repo, p.InteractionRepository):
    def _add(self, interaction: Interaction) -> None:
        self._w(
            "INSERT INTO gdprcrm_interactions VALUES (?, ?, ?, ?)",
            (
                interaction.id.bytes,
                interaction.subject_id.bytes,
                dump(_without_content(interaction)),
                interaction.content,
            ),
        )

    def _for_subject(self, subject_id: SubjectId) -> Iterable[Interaction]:
        rows = self._run(
            "SELECT doc, content FROM gdprcrm_interactions WHERE subject_id = ?",
            (subject_id.bytes,),
        ).fetchall()
        return [_with_content(load(doc, Interaction), content) for doc, content in rows]

    def _delete_for_subject(self, subject_id: SubjectId) -> int:
        return self._w(
            "DELETE FROM gdprcrm_interactions WHERE subject_id = ?", (subject_id.bytes,)
        ).rowcount


def _without_content(i: Interaction) -> Interaction:
    return attrs.evolve(i, content=None)


def _with_content(i: Interaction, content: bytes | None) -> Interaction:
    return i if content is None else attrs.evolve(i, content=bytes(content))


class _Retention(Repo, p.RetentionRepository):
    def _schedule(self, entries: Sequence[RetentionDue]) -> None:
        self._many(
            "INSERT INTO gdprcrm_retention VALUES (?, ?, ?, ?) "
            "ON CONFLICT (subject_id, purpose_id) "
            "DO UPDATE SET due_at = excluded.due_at, action = excluded.action",
            [(e.subject_id.bytes, e.purpose_id, ts(e.due_at), e.action.value) for e in entries],
        )

    def _rows(self, rows: list[Any]) -> list[RetentionDue]:
        actions = _ACTIONS
        return [
            trusted(RetentionDue, sid_of(s), pid, from_ts(due), actions[action])
            for s, pid, due, action in rows
        ]

    def _due_before(self, at: datetime, limit: int) -> Iterable[RetentionDue]:
        # Indexed range read on gdprcrm_retention_due: proportional to what is due.
        return self._rows(
            self._run(
                "SELECT subject_id, purpose_id, due_at, action FROM gdprcrm_retention "
                "WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                (ts(at), limit),
            ).fetchall()
        )

    def _for_subject(self, subject_id: SubjectId) -> Iterable[RetentionDue]:
        return self._rows(
            self._run(
                "SELECT subject_id, purpose_id, due_at, action FROM gdprcrm_retention "
                "WHERE subject_id = ?",
                (subject_id.bytes,),
            ).fetchall()
        )

    def _clear_many(self, subject_ids: Sequence[SubjectId]) -> int:
        return self._w_each("DELETE FROM gdprcrm_retention WHERE subject_id IN", subject_ids)

    def _clear_purposes(self, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        return self._w_pairs(
            "DELETE FROM gdprcrm_retention WHERE (subject_id, purpose_id) IN", pairs
        )

    def _clear(self, subject_id: SubjectId, purpose_id: str | None) -> int:
        if purpose_id is None:
            return self._w(
                "DELETE FROM gdprcrm_retention WHERE subject_id = ?", (subject_id.bytes,)
            ).rowcount
        return self._w(
            "DELETE FROM gdprcrm_retention WHERE subject_id = ? AND purpose_id = ?",
            (subject_id.bytes, purpose_id),
        ).rowcount


class _Suppressions(Repo, p.SuppressionRepository):
    def _add(self, entry: SuppressionEntry) -> None:
        channel = "" if entry.channel is None else entry.channel.value
        self._w(
            "INSERT INTO gdprcrm_suppressions (kind, digest, channel, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, digest, channel) DO NOTHING",
            (entry.kind.value, entry.digest, channel, ts(entry.at)),
        )

    def _scopes(self, kind: Lookup, digest: bytes) -> Iterable[Channel | None]:
        rows = self._run(
            "SELECT channel FROM gdprcrm_suppressions WHERE kind = ? AND digest = ?",
            (kind.value, digest),
        ).fetchall()
        return [None if r[0] == "" else Channel(r[0]) for r in rows]

    def _purge_before(self, at: datetime) -> int:
        cur = self._w("DELETE FROM gdprcrm_suppressions WHERE at < ?", (ts(at),))
        return int(cur.rowcount)


class _Notifications(Repo, p.NotificationRepository):
    def _add(self, n: RecipientNotification) -> None:
        self._w(
            "INSERT INTO gdprcrm_notifications VALUES (?, ?, ?, ?, ?)",
            (n.id.bytes, n.subject_id.bytes, int(n.sent_at is not None), ts(n.at), dump(n)),
        )

    def _add_many(self, notifications: Sequence[RecipientNotification]) -> None:
        self._many(
            "INSERT INTO gdprcrm_notifications VALUES (?, ?, ?, ?, ?)",
            [
                (n.id.bytes, n.subject_id.bytes, int(n.sent_at is not None), ts(n.at), dump(n))
                for n in notifications
            ],
        )

    def _get(self, notification_id: uuid.UUID) -> RecipientNotification | None:
        row = self._run(
            "SELECT doc FROM gdprcrm_notifications WHERE id = ?", (notification_id.bytes,)
        ).fetchone()
        return None if row is None else load(row[0], RecipientNotification)

    def _update(self, n: RecipientNotification) -> None:
        self._w(
            "UPDATE gdprcrm_notifications SET sent = ?, doc = ? WHERE id = ?",
            (int(n.sent_at is not None), dump(n), n.id.bytes),
        )

    def _pending(self, limit: int) -> Iterable[RecipientNotification]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_notifications WHERE sent = 0 ORDER BY at, id LIMIT ?",
            (limit,),
        ).fetchall()
        return [load(r[0], RecipientNotification) for r in rows]

    def _for_subject(self, subject_id: SubjectId) -> Iterable[RecipientNotification]:
        rows = self._run(
            "SELECT doc FROM gdprcrm_notifications WHERE subject_id = ?", (subject_id.bytes,)
        ).fetchall()
        return [load(r[0], RecipientNotification) for r in rows]

"""The SQL shared by the SQLite and PostgreSQL adapters (private).

Statements are written once with ``?`` placeholders; a :class:`Dialect` adapts them
(``%s`` for psycopg), names the blob type, begins transactions, locks rows, and
translates its driver's errors. Model objects are stored as one JSON document per row
(the shared cattrs converter) next to the columns that queries filter and sort on.
Instants are stored as fixed-width UTC text, so that text order is time order.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from gdprcrm.errors import SchemaTooNew, StorageError
from gdprcrm.model import (
    OPEN_STATUSES,
    RetentionAction,
    SubjectId,
)
from gdprcrm.serialization import converter

if TYPE_CHECKING:
    from gdprcrm.storage._sql_unit import SqlUnit

T = TypeVar("T")

SCHEMA_VERSION = 9
_ACTIONS = {a.value: a for a in RetentionAction}
_OPEN_STATUSES = tuple(sorted(s.value for s in OPEN_STATUSES))


IN_CHUNK = 500
"""Ids per ``IN (...)`` list: far below SQLite's and PostgreSQL's caps on parameters."""

_last_ts: tuple[datetime | None, str] = (None, "")


def ts(value: datetime) -> str:
    """Fixed-width UTC text: lexicographic order is chronological order. (The rows of a
    batch share their instant: the last one's text is kept.)"""
    global _last_ts
    last, text = _last_ts
    if value is not last:
        text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        _last_ts = (value, text)
    return text


def from_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


_ENCODER = json.JSONEncoder(separators=(",", ":"))
"""``json.dumps(..., separators=...)`` builds a new encoder on every call; this one is
built once (the same output)."""


def dump(obj: object, as_type: Any = None) -> str:
    return _ENCODER.encode(converter.unstructure(obj, unstructure_as=as_type))


def load(doc: str, cls: type[T]) -> T:
    return converter.structure(json.loads(doc), cls)


def sid_of(raw: bytes) -> SubjectId:
    return trusted(SubjectId, uuid.UUID(bytes=bytes(raw)), bytes(raw))


_Setter = Callable[[object, object], None]
_SETTERS: dict[type, tuple[list[_Setter], _Setter | None]] = {}
_HASH_CACHE = "_attrs_cached_hash"
"""The slot attrs gives a class built with ``cache_hash=True`` (``SubjectId``): its
``__init__`` sets it to None, so a rebuild without ``__init__`` must too."""


def trusted(cls: type[T], *values: Any) -> T:
    """Rebuild a frozen model object from values this adapter wrote itself, skipping
    the validators (they ran when the object was first built): hot read paths only."""
    known = _SETTERS.get(cls)
    if known is None:
        names = [a.name for a in cls.__attrs_attrs__]  # type: ignore[attr-defined]
        slot = cls.__dict__.get(_HASH_CACHE)
        known = _SETTERS[cls] = (
            [cls.__dict__[n].__set__ for n in names],
            None if slot is None else slot.__set__,
        )
    setters, clear_hash = known
    obj = object.__new__(cls)
    for setter, value in zip(setters, values, strict=True):
        setter(obj, value)
    if clear_hash is not None:
        clear_hash(obj, None)
    return obj


# Each migration brings the schema from version n-1 to n. {blob} and {bigint} are
# filled in by the dialect.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE gdprcrm_subjects (
            id {blob} PRIMARY KEY, status TEXT NOT NULL, doc TEXT NOT NULL)""",
        """CREATE TABLE gdprcrm_fields (
            subject_id {blob} NOT NULL REFERENCES gdprcrm_subjects (id),
            name TEXT NOT NULL, ciphertext {blob} NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (subject_id, name))""",
        """CREATE TABLE gdprcrm_index (
            subject_id {blob} NOT NULL REFERENCES gdprcrm_subjects (id),
            field TEXT NOT NULL, kind TEXT NOT NULL, digest {blob} NOT NULL,
            PRIMARY KEY (subject_id, field))""",
        "CREATE INDEX gdprcrm_index_digest ON gdprcrm_index (kind, digest)",
        """CREATE TABLE gdprcrm_consents (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, purpose_id TEXT NOT NULL,
            at TEXT NOT NULL, doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_consents_subject ON gdprcrm_consents (subject_id, purpose_id, at)",
        """CREATE TABLE gdprcrm_objections (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_objections_subject ON gdprcrm_objections (subject_id)",
        """CREATE TABLE gdprcrm_restrictions (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_restrictions_subject ON gdprcrm_restrictions (subject_id)",
        """CREATE TABLE gdprcrm_requests (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, status TEXT NOT NULL,
            due TEXT NOT NULL, doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_requests_subject ON gdprcrm_requests (subject_id)",
        "CREATE INDEX gdprcrm_requests_due ON gdprcrm_requests (status, due)",
        """CREATE TABLE gdprcrm_interactions (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, doc TEXT NOT NULL,
            content {blob})""",
        "CREATE INDEX gdprcrm_interactions_subject ON gdprcrm_interactions (subject_id)",
        """CREATE TABLE gdprcrm_audit (sequence {bigint} PRIMARY KEY, doc TEXT NOT NULL)""",
        """CREATE TABLE gdprcrm_audit_head (
            one INTEGER PRIMARY KEY CHECK (one = 1), sequence {bigint} NOT NULL)""",
        "INSERT INTO gdprcrm_audit_head VALUES (1, -1)",
        """CREATE TABLE gdprcrm_breaches (
            id {blob} PRIMARY KEY, aware_at TEXT NOT NULL, doc TEXT NOT NULL)""",
        """CREATE TABLE gdprcrm_retention (
            subject_id {blob} NOT NULL, purpose_id TEXT NOT NULL, due_at TEXT NOT NULL,
            action TEXT NOT NULL, PRIMARY KEY (subject_id, purpose_id))""",
        "CREATE INDEX gdprcrm_retention_due ON gdprcrm_retention (due_at)",
    ],
    2: [
        """CREATE TABLE gdprcrm_suppressions (
            kind TEXT NOT NULL, digest {blob} NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (kind, digest))""",
    ],
    3: [
        """CREATE TABLE gdprcrm_notifications (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, sent INTEGER NOT NULL,
            at TEXT NOT NULL, doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_notifications_pending ON gdprcrm_notifications (sent, at)",
        "CREATE INDEX gdprcrm_notifications_subject ON gdprcrm_notifications (subject_id)",
    ],
    4: [
        # Erasures in progress get a table of their own (they were a retention row with
        # the reserved purpose id 'gdprcrm-erasure'); the old rows move over.
        """CREATE TABLE gdprcrm_erasures (
            subject_id {blob} PRIMARY KEY, started_at TEXT NOT NULL, step TEXT NOT NULL,
            resume_at TEXT)""",
        "CREATE INDEX gdprcrm_erasures_due ON gdprcrm_erasures (resume_at)",
        """INSERT INTO gdprcrm_erasures
            SELECT subject_id, due_at, 'started', due_at FROM gdprcrm_retention
            WHERE purpose_id = 'gdprcrm-erasure'""",
        "DELETE FROM gdprcrm_retention WHERE purpose_id = 'gdprcrm-erasure'",
        # The data store's copy of every shred, to reconcile either store after a restore.
        "CREATE INDEX gdprcrm_suppressions_at ON gdprcrm_suppressions (at)",
        """CREATE TABLE gdprcrm_tombstones (
            subject_id {blob} PRIMARY KEY, shredded_at TEXT NOT NULL, destroyed TEXT NOT NULL)""",
    ],
    5: [
        # Records: any number per subject, each with its own date, retention and key scope.
        """CREATE TABLE gdprcrm_records (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL REFERENCES gdprcrm_subjects (id),
            kind TEXT NOT NULL, dated TEXT NOT NULL, created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, due_at TEXT NOT NULL, ciphertext {blob} NOT NULL)""",
        "CREATE INDEX gdprcrm_records_subject ON gdprcrm_records (subject_id, kind, dated)",
        "CREATE INDEX gdprcrm_records_due ON gdprcrm_records (due_at)",
    ],
    6: [
        # Every published notice version, in order: consents given under an earlier one
        # are judged by how it described their purpose (Art. 7(1), 13).
        """CREATE TABLE gdprcrm_notices (
            seq {bigint} PRIMARY KEY, version TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)""",
    ],
    7: [
        # The Art. 14 information owed to people whose data came from others: one duty
        # per subject, read as a queue of pending duties, soonest due first.
        """CREATE TABLE gdprcrm_duties (
            subject_id {blob} PRIMARY KEY, status TEXT NOT NULL, due_at TEXT NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_duties_pending ON gdprcrm_duties (status, due_at)",
    ],
    8: [
        # The suppression list per channel: an objection to SMS only keeps the number
        # out of SMS marketing ('' = every channel, what every earlier entry meant).
        """CREATE TABLE gdprcrm_suppressions_by_channel (
            kind TEXT NOT NULL, digest {blob} NOT NULL, channel TEXT NOT NULL,
            at TEXT NOT NULL, PRIMARY KEY (kind, digest, channel))""",
        """INSERT INTO gdprcrm_suppressions_by_channel
            SELECT kind, digest, '', at FROM gdprcrm_suppressions""",
        "DROP TABLE gdprcrm_suppressions",
        "ALTER TABLE gdprcrm_suppressions_by_channel RENAME TO gdprcrm_suppressions",
        "CREATE INDEX gdprcrm_suppressions_by_at ON gdprcrm_suppressions (at)",
    ],
    9: [
        # Every signed erasure certificate (Art. 5(2)): the trail names them by id.
        """CREATE TABLE gdprcrm_certificates (
            id {blob} PRIMARY KEY, subject_id {blob} NOT NULL, issued_at TEXT NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX gdprcrm_certificates_subject ON gdprcrm_certificates (subject_id)",
    ],
}


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    @property
    def rowcount(self) -> int: ...


class Dialect(abc.ABC):
    """What differs between databases."""

    blob = "BLOB"
    bigint = "INTEGER"
    for_update = ""
    begin = "BEGIN"

    def sql(self, statement: str) -> str:
        return statement

    @abc.abstractmethod
    def translate(self, exc: Exception) -> StorageError | None:
        """Our error for a driver error, or None if ``exc`` is not the driver's."""

    def ddl(self, statement: str) -> str:
        return statement.format(blob=self.blob, bigint=self.bigint)


def migrate(run: Callable[[str, Sequence[Any]], Cursor], dialect: Dialect, where: str) -> int:
    """Create or upgrade the schema inside the caller's transaction; returns the version."""
    run(
        "CREATE TABLE IF NOT EXISTS gdprcrm_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        (),
    )
    row = run("SELECT value FROM gdprcrm_meta WHERE name = 'schema_version'", ()).fetchone()
    current = 0 if row is None else int(row[0])
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{where} has gdprcrm schema {current}, newer than this version understands "
            f"({SCHEMA_VERSION}); upgrade gdprcrm"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version]:
            run(dialect.ddl(statement), ())
    if current == 0:
        run("INSERT INTO gdprcrm_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    elif current < SCHEMA_VERSION:
        run(
            "UPDATE gdprcrm_meta SET value = ? WHERE name = 'schema_version'",
            (str(SCHEMA_VERSION),),
        )
    return SCHEMA_VERSION


class Repo:
    """What every SQL repository shares: its unit, reads, checked writes."""

    def __init__(self, unit: SqlUnit) -> None:
        self._u = unit

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._u.check_active()
        return self._u.run(sql, params)

    def _w(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """A write: refused in a read-only unit."""
        self._u.check_writable()
        return self._u.run(sql, params)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._u.check_writable()
        self._u.run_many(sql, rows)

    def _read_each(
        self,
        sql: str,
        subject_ids: Sequence[SubjectId],
        after: str = "",
        params: Sequence[Any] = (),
    ) -> list[Any]:
        """The rows of a read over many subjects: ``sql`` ends in ``IN``, ``after``
        follows the list, ``params`` come before the ids; run once per chunk of ids."""
        self._u.check_active()
        return [
            row for cur in self._each(sql, subject_ids, after, params) for row in cur.fetchall()
        ]

    def _docs_each(
        self, sql: str, subject_ids: Sequence[SubjectId], cls: type[T], after: str = ""
    ) -> list[T]:
        """:meth:`_read_each` of a ``SELECT doc``, each document loaded as ``cls``."""
        return [load(row[0], cls) for row in self._read_each(sql, subject_ids, after)]

    def _w_each(self, sql: str, subject_ids: Sequence[SubjectId]) -> int:
        """A write over many subjects: ``sql`` ends in ``IN`` and is run once per chunk
        of ids; the rows it changed."""
        self._u.check_writable()
        return sum(cur.rowcount for cur in self._each(sql, subject_ids, "", ()))

    def _w_pairs(self, sql: str, pairs: Sequence[tuple[SubjectId, str]]) -> int:
        """A write over (subject, name) pairs: ``sql`` ends in ``IN`` after a row value
        such as ``(subject_id, name)``, and is run once per chunk of pairs (a list of
        row values); the rows it changed."""
        self._u.check_writable()
        total = 0
        for first in range(0, len(pairs), IN_CHUNK // 2):
            chunk = pairs[first : first + IN_CHUNK // 2]
            rows = ", ".join(["(?, ?)"] * len(chunk))
            params = [v for sid, name in chunk for v in (sid.bytes, name)]
            total += self._u.run(f"{sql} (VALUES {rows})", params).rowcount
        return total

    def _each(
        self, sql: str, subject_ids: Sequence[SubjectId], after: str, params: Sequence[Any]
    ) -> Iterator[Cursor]:
        """``sql`` run once per chunk of ids (the drivers cap the parameters of one
        statement): its cursors."""
        for first in range(0, len(subject_ids), IN_CHUNK):
            chunk = [sid.bytes for sid in subject_ids[first : first + IN_CHUNK]]
            marks = ", ".join("?" * len(chunk))
            yield self._u.run(f"{sql} ({marks}){after}", [*params, *chunk])

"""The SQL key store: one set of statements and migrations for SQLite and PostgreSQL.

Wrapped keys, tombstones and controller-wide secrets live in three tables
(``vault_keys``, ``vault_tombstones``, ``vault_secrets``) plus ``vault_meta`` holding the
schema version. A trigger, written per dialect, refuses inside the database any key
inserted for a subject with a tombstone. Everything else is the same SQL for both
engines; a concrete store supplies only its transactions (:meth:`SQLKeyStore._transaction`),
how it serialises operations on one subject, and what it does after keys are destroyed
(SQLite truncates its write-ahead log).

Placeholders are ``?``; a store's runner translates them and the driver's errors (into
the :class:`~gdprcrm.errors.StorageError` tree) before this module sees them.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from gdprcrm import errors
from gdprcrm.model import SubjectId
from gdprcrm.vault._rows import destroyed_text, key_from_row, tombstone_from_row
from gdprcrm.vault.keystore import KeyStore, Rewrap, Secret, Tombstone, WrappedKey

__all__ = ["SCHEMA_VERSION", "SHREDDED_MARK", "Run", "SQLKeyStore", "migrate_key_store"]

SCHEMA_VERSION = 2
"""The key store's schema version, recorded in ``vault_meta``; a newer one is refused."""

SHREDDED_MARK = "gdprcrm: subject keys were shredded"
"""The message of the refusal trigger: how a refused re-insertion is recognised."""

_CHUNK = 300
"""Subjects per statement when shredding many (three parameters per tombstone row)."""

Run = Callable[..., Any]
"""``run(statement, params=())`` -> a cursor (``fetchone``, ``fetchall``, ``rowcount``)."""


def _tables(blob: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS vault_keys (
            subject {blob} NOT NULL, version INTEGER NOT NULL, kek_id TEXT NOT NULL,
            wrapped {blob} NOT NULL, kcv {blob} NOT NULL, created_at TEXT NOT NULL,
            PRIMARY KEY (subject, version))""",
        f"""CREATE TABLE IF NOT EXISTS vault_tombstones (
            subject {blob} PRIMARY KEY, shredded_at TEXT NOT NULL, destroyed TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS vault_secrets (
            name TEXT PRIMARY KEY, kek_id TEXT NOT NULL, wrapped {blob} NOT NULL)""",
    ]


def migrate_key_store(run: Run, blob: str, trigger: Sequence[str], where: str) -> None:
    """Create or upgrade the key-store tables inside the caller's transaction.

    Version 1: the three tables and the refusal trigger. Version 2: the trigger again, in
    its current form (on PostgreSQL it looks up the tombstones of its own schema, not
    through the caller's search path). A store whose recorded version is newer than
    :data:`SCHEMA_VERSION` is refused (upgrade gdprcrm).
    """
    run("CREATE TABLE IF NOT EXISTS vault_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = run("SELECT value FROM vault_meta WHERE name = 'schema_version'").fetchone()
    current = 0 if row is None else int(row[0])
    if current > SCHEMA_VERSION:
        raise errors.SchemaTooNew(
            f"key store {where} has schema {current}, newer than this gdprcrm understands "
            f"({SCHEMA_VERSION}); upgrade gdprcrm"
        )
    if current < 1:
        for statement in _tables(blob):
            run(statement)
    if current < 2:
        for statement in trigger:
            run(statement)
    if current != SCHEMA_VERSION:
        run("DELETE FROM vault_meta WHERE name = 'schema_version'")
        run("INSERT INTO vault_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


class SQLKeyStore(KeyStore):
    """The hooks of :class:`~gdprcrm.vault.KeyStore` in SQL, for any dialect."""

    what: str = "key store"
    """How errors name this store."""

    @abc.abstractmethod
    def _transaction(self, *, write: bool) -> contextlib.AbstractContextManager[Run]:
        """A transaction yielding ``run``; commits on success, rolls back on error."""

    def _lock_subject(self, run: Run, subject_id: SubjectId) -> None:
        """Serialise the operations on one subject's keys (a no-op where the whole store
        is serialised, as with SQLite's single writer)."""

    def _lock_subjects(self, run: Run, subject_ids: Sequence[SubjectId]) -> None:
        """:meth:`_lock_subject` for each, in the order of their bytes (two batches that
        share subjects take their locks in the same order)."""
        for subject_id in sorted(subject_ids, key=lambda s: s.bytes):
            self._lock_subject(run, subject_id)

    def _after_destruction(self) -> None:
        """Called after a transaction that destroyed keys has committed."""

    def _read_one(self, statement: str, params: Sequence[Any]) -> Any:
        try:
            with self._transaction(write=False) as run:
                return run(statement, params).fetchone()
        except errors.StorageError as exc:
            raise errors.KeyStoreError(f"{self.what}: {exc}") from None

    def _get(self, subject_id: SubjectId, version: int) -> WrappedKey | None:
        row = self._read_one(
            "SELECT * FROM vault_keys WHERE subject = ? AND version = ?",
            (subject_id.bytes, version),
        )
        return None if row is None else key_from_row(row, subject_id)

    def _get_wrapped(self, subject_id: SubjectId, version: int) -> tuple[str, bytes] | None:
        row = self._read_one(
            "SELECT kek_id, wrapped FROM vault_keys WHERE subject = ? AND version = ?",
            (subject_id.bytes, version),
        )
        return None if row is None else (row[0], bytes(row[1]))

    def _latest(self, subject_id: SubjectId) -> WrappedKey | None:
        row = self._read_one(
            "SELECT * FROM vault_keys WHERE subject = ? ORDER BY version DESC LIMIT 1",
            (subject_id.bytes,),
        )
        return None if row is None else key_from_row(row, subject_id)

    def _put(self, key: WrappedKey) -> None:
        self._put_many([key])

    def _put_many(self, keys: Sequence[WrappedKey]) -> None:
        """Every key in one transaction: all stored, or none."""
        current = keys[0]
        try:
            with self._transaction(write=True) as run:
                for current in keys:
                    self._lock_subject(run, current.subject_id)
                    run(
                        "INSERT INTO vault_keys VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            current.subject_id.bytes,
                            current.version,
                            current.kek_id,
                            current.wrapped,
                            current.kcv,
                            current.created_at.isoformat(),
                        ),
                    )
        except errors.StorageError as exc:
            if SHREDDED_MARK in str(exc):
                raise errors.KeyShredded(
                    f"subject {current.subject_id}: keys were shredded; refused"
                ) from None
            if isinstance(exc, errors.DuplicateRecord):
                raise errors.DuplicateKey(
                    f"subject {current.subject_id}: key version exists"
                ) from None
            raise errors.KeyStoreError(f"{self.what}: {exc}") from None

    def _shred(self, subject_id: SubjectId, at: datetime) -> tuple[Tombstone, bool]:
        return self._shred_many([subject_id], at)[0]

    def _shred_many(
        self, subject_ids: Sequence[SubjectId], at: datetime
    ) -> list[tuple[Tombstone, bool]]:
        """Every shred in one transaction, then one flush of the log (the cost of a
        retention sweep erasing many records is one commit, not one per record), and
        one statement per table for each chunk of ids, not one per subject."""
        done: dict[SubjectId, tuple[Tombstone, bool]] = {}
        try:
            with self._transaction(write=True) as run:
                unique = list(dict.fromkeys(subject_ids))
                for first in range(0, len(unique), _CHUNK):
                    done.update(self._shred_chunk(run, unique[first : first + _CHUNK], at))
        except errors.StorageError as exc:
            raise errors.KeyStoreError(f"{self.what}: shred failed: {exc}") from None
        out: list[tuple[Tombstone, bool]] = []
        seen: set[SubjectId] = set()
        for subject_id in subject_ids:  # in order; a repeated id finds its tombstone
            stone, fresh = done[subject_id]
            out.append((stone, fresh and subject_id not in seen))
            seen.add(subject_id)
        if any(fresh for _, fresh in out):
            self._after_destruction()
        return out

    def _shred_chunk(
        self, run: Run, subject_ids: Sequence[SubjectId], at: datetime
    ) -> dict[SubjectId, tuple[Tombstone, bool]]:
        """Shred at most ``_CHUNK`` distinct ids in three statements (their tombstones
        read, the keys of the others deleted, their tombstones written): each id's
        tombstone, and whether this call destroyed its keys."""
        self._lock_subjects(run, subject_ids)
        marks = ", ".join("?" * len(subject_ids))
        raw = [sid.bytes for sid in subject_ids]
        found = {
            (stone := tombstone_from_row(row)).subject_id: (stone, False)
            for row in run(
                f"SELECT * FROM vault_tombstones WHERE subject IN ({marks})",  # noqa: S608
                raw,
            )
        }
        fresh = [sid for sid in subject_ids if sid not in found]
        if not fresh:
            return found
        marks = ", ".join("?" * len(fresh))
        destroyed: dict[bytes, list[tuple[int, bytes]]] = {sid.bytes: [] for sid in fresh}
        for subject, version, kcv in run(
            f"DELETE FROM vault_keys WHERE subject IN ({marks}) "  # noqa: S608 - marks only
            "RETURNING subject, version, kcv",
            [sid.bytes for sid in fresh],
        ).fetchall():
            destroyed[bytes(subject)].append((int(version), bytes(kcv)))
        stones = [Tombstone(sid, at, tuple(sorted(destroyed[sid.bytes]))) for sid in fresh]
        run(
            "INSERT INTO vault_tombstones VALUES "  # noqa: S608 - placeholders only
            + ", ".join(["(?, ?, ?)"] * len(stones)),
            [
                value
                for stone in stones
                for value in (
                    stone.subject_id.bytes,
                    at.isoformat(),
                    destroyed_text(stone.destroyed),
                )
            ],
        )
        found.update((stone.subject_id, (stone, True)) for stone in stones)
        return found

    def _tombstone(self, subject_id: SubjectId) -> Tombstone | None:
        row = self._read_one(
            "SELECT * FROM vault_tombstones WHERE subject = ?", (subject_id.bytes,)
        )
        return None if row is None else tombstone_from_row(row)

    def _tombstones(self) -> Iterator[Tombstone]:
        with self._transaction(write=False) as run:
            rows = run("SELECT * FROM vault_tombstones").fetchall()
        return (tombstone_from_row(r) for r in rows)

    def _restore_tombstones(self, tombstones: Sequence[Tombstone]) -> int:
        count = 0
        with self._transaction(write=True) as run:
            for stone in tombstones:
                sid = stone.subject_id.bytes
                self._lock_subject(run, stone.subject_id)
                deleted = run("DELETE FROM vault_keys WHERE subject = ?", (sid,)).rowcount
                inserted = run(
                    "INSERT INTO vault_tombstones VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (sid, stone.shredded_at.isoformat(), destroyed_text(stone.destroyed)),
                ).rowcount
                count += 1 if (deleted or inserted) else 0
        self._after_destruction()
        return count

    def _key_rows(self, columns: str, batch_size: int) -> Iterator[list[Any]]:
        """Every key row (``columns``, starting with subject and version), in batches of
        at most ``batch_size`` in key order, each read in its own short transaction."""
        last: tuple[bytes, int] = (b"", 0)
        while True:
            with self._transaction(write=False) as run:
                rows = run(
                    f"SELECT {columns} FROM vault_keys WHERE (subject, version) > (?, ?) "  # noqa: S608 - our own column list
                    "ORDER BY subject, version LIMIT ?",
                    (*last, batch_size),
                ).fetchall()
            if not rows:
                return
            last = (bytes(rows[-1][0]), rows[-1][1])
            yield rows

    def _key_batches(self, batch_size: int) -> Iterator[list[WrappedKey]]:
        for rows in self._key_rows("*", batch_size):
            yield [key_from_row(r) for r in rows]

    def _rewrap_all(self, rewrap: Rewrap, new_kek_id: str, batch_size: int) -> int:
        done = 0
        for rows in self._key_rows("subject, version, kek_id, wrapped", batch_size):
            moved = [
                (new_kek_id, rewrap(bytes(sid), version, kek, bytes(wrapped)), sid, version, kek)
                for sid, version, kek, wrapped in rows
                if kek != new_kek_id
            ]
            if moved:  # the kek_id guard leaves a key another process rewrapped meanwhile
                done += self._update_many(
                    "UPDATE vault_keys SET kek_id = ?, wrapped = ?"
                    " WHERE subject = ? AND version = ? AND kek_id = ?",
                    moved,
                )
        return done

    def _rewrap(self, keys: Sequence[WrappedKey]) -> int:
        return self._update_many(
            "UPDATE vault_keys SET kek_id = ?, wrapped = ? WHERE subject = ? AND version = ?",
            [(k.kek_id, k.wrapped, k.subject_id.bytes, k.version) for k in keys],
        )

    def _update_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run ``statement`` for each row in one transaction; the rows it changed."""
        done = 0
        with self._transaction(write=True) as run:
            for row in rows:
                done += run(statement, row).rowcount
        return done

    def _get_secret(self, name: str) -> Secret | None:
        row = self._read_one(
            "SELECT name, kek_id, wrapped FROM vault_secrets WHERE name = ?", (name,)
        )
        return None if row is None else Secret(row[0], row[1], bytes(row[2]))

    def _put_secret(self, secret: Secret, *, replace: bool) -> None:
        statement = "INSERT INTO vault_secrets VALUES (?, ?, ?)"
        if replace:
            statement += (
                " ON CONFLICT (name) DO UPDATE SET kek_id = excluded.kek_id,"
                " wrapped = excluded.wrapped"
            )
        try:
            with self._transaction(write=True) as run:
                run(statement, (secret.name, secret.kek_id, secret.wrapped))
        except errors.DuplicateRecord:
            raise errors.DuplicateKey(f"secret {secret.name!r} exists") from None
        except errors.StorageError as exc:
            raise errors.KeyStoreError(f"{self.what}: {exc}") from None

"""The one translation of sqlite3 errors into the StorageError tree.

Used by the SQLite data store (:mod:`gdprcrm.storage.sqlite`) and the SQLite key store
(:mod:`gdprcrm.vault.sqlite_keystore`); it imports nothing else of gdprcrm's storage, so
either may use it without an import cycle.
"""

from __future__ import annotations

import sqlite3

from gdprcrm import errors

__all__ = ["translate", "translated"]

# (driver error class, words in its message, our error class): first match wins.
_TRANSLATION: list[tuple[type[sqlite3.Error], tuple[str, ...], type[errors.StorageError]]] = [
    (sqlite3.IntegrityError, ("UNIQUE", "PRIMARY KEY"), errors.DuplicateRecord),
    (sqlite3.IntegrityError, (), errors.IntegrityError),
    (sqlite3.ProgrammingError, ("closed",), errors.InterfaceError),
    (sqlite3.ProgrammingError, (), errors.ProgrammingError),
    (
        sqlite3.OperationalError,
        ("no such table", "no such column", "syntax error"),
        errors.ProgrammingError,
    ),
    (sqlite3.OperationalError, (), errors.OperationalError),
    (sqlite3.DataError, (), errors.DataError),
    (sqlite3.NotSupportedError, (), errors.NotSupportedError),
    (sqlite3.InternalError, (), errors.InternalError),
    (sqlite3.InterfaceError, (), errors.InterfaceError),
    (sqlite3.DatabaseError, ("too big", "too large"), errors.DataError),
    (sqlite3.DatabaseError, (), errors.DatabaseError),
    (sqlite3.Error, (), errors.StorageError),
]


def translate(exc: Exception) -> errors.StorageError | None:
    """The StorageError for a sqlite3 error (None for anything else)."""
    if not isinstance(exc, sqlite3.Error):
        return None
    message = str(exc)
    for driver_cls, words, ours in _TRANSLATION:
        if isinstance(exc, driver_cls) and (not words or any(w in message for w in words)):
            return ours(f"sqlite: {_redacted(message)}")
    return errors.StorageError(f"sqlite: {_redacted(message)}")  # pragma: no cover


def _redacted(message: str) -> str:
    # sqlite messages name tables and columns, never values; keep them short regardless.
    return message[:200]


def translated(exc: sqlite3.Error) -> errors.StorageError:
    """:func:`translate` for an error known to come from sqlite3."""
    ours = translate(exc)
    assert ours is not None
    return ours

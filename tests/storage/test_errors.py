"""Driver errors become the StorageError tree, in one place per adapter: from a table."""

from __future__ import annotations

import sqlite3

import pytest

from gdprcrm import errors
from gdprcrm.storage import sqlite as sqlite_adapter

SQLITE_CASES = [
    (
        sqlite3.IntegrityError("UNIQUE constraint failed: gdprcrm_subjects.id"),
        errors.DuplicateRecord,
    ),
    (sqlite3.IntegrityError("PRIMARY KEY must be unique"), errors.DuplicateRecord),
    (sqlite3.IntegrityError("FOREIGN KEY constraint failed"), errors.IntegrityError),
    (sqlite3.ProgrammingError("Cannot operate on a closed database."), errors.InterfaceError),
    (sqlite3.ProgrammingError("Incorrect number of bindings"), errors.ProgrammingError),
    (sqlite3.OperationalError("no such table: gdprcrm_x"), errors.ProgrammingError),
    (sqlite3.OperationalError("database is locked"), errors.OperationalError),
    (sqlite3.OperationalError("disk I/O error"), errors.OperationalError),
    (sqlite3.DataError("string or blob too big"), errors.DataError),
    (sqlite3.NotSupportedError("x"), errors.NotSupportedError),
    (sqlite3.InternalError("x"), errors.InternalError),
    (sqlite3.InterfaceError("Error binding parameter 1"), errors.InterfaceError),
    (sqlite3.DatabaseError("string or blob too big"), errors.DataError),
    (sqlite3.DatabaseError("file is not a database"), errors.DatabaseError),
]


@pytest.mark.parametrize(("driver", "ours"), SQLITE_CASES, ids=lambda c: type(c).__name__)
def test_sqlite_translation(driver: Exception, ours: type[errors.StorageError]) -> None:
    translated = sqlite_adapter.translate(driver)
    assert type(translated) is ours
    assert isinstance(translated, errors.GdprCrmError)


def test_sqlite_leaves_other_errors_alone() -> None:
    assert sqlite_adapter.translate(ValueError("x")) is None


def _pg_cases() -> list[tuple[Exception, type[errors.StorageError]]]:
    psycopg = pytest.importorskip("psycopg")
    e = psycopg.errors
    return [
        (
            e.UniqueViolation("duplicate key value violates unique constraint"),
            errors.DuplicateRecord,
        ),
        (e.ForeignKeyViolation("insert or update violates foreign key"), errors.IntegrityError),
        (e.CheckViolation("new row violates check constraint"), errors.IntegrityError),
        (e.NumericValueOutOfRange("integer out of range"), errors.DataError),
        (e.StringDataRightTruncation("value too long"), errors.DataError),
        (psycopg.OperationalError("the connection is closed"), errors.OperationalError),
        (e.SerializationFailure("could not serialize access"), errors.OperationalError),
        (e.UndefinedTable('relation "x" does not exist'), errors.ProgrammingError),
        (e.SyntaxError("syntax error at or near"), errors.ProgrammingError),
        (psycopg.NotSupportedError("x"), errors.NotSupportedError),
        (psycopg.InternalError("x"), errors.InternalError),
        (psycopg.InterfaceError("x"), errors.InterfaceError),
        (psycopg.DatabaseError("x"), errors.DatabaseError),
    ]


def test_postgres_translation_table() -> None:
    from gdprcrm.storage import postgres

    for driver, ours in _pg_cases():
        translated = postgres.translate(driver)
        assert type(translated) is ours, (driver, translated)
        assert "\n" not in str(translated)
    assert postgres.translate(ValueError("x")) is None

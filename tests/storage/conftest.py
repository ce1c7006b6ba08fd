"""PostgreSQL for the adapter tests: the real server, never a mock.

The DSN comes from GDPRCRM_TEST_POSTGRES (default: the local server, database
``test``). If the server cannot be reached the PostgreSQL tests are skipped, unless
GDPRCRM_REQUIRE_POSTGRES is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

DSN = os.environ.get("GDPRCRM_TEST_POSTGRES", "host=127.0.0.1 port=5432 dbname=test user=postgres")
PREFIX = "gdprcrm_test_"


def postgres_available() -> str | None:
    """None if the server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {DSN!r}: {type(exc).__name__}"
    return None


def fresh_schema() -> str:
    return PREFIX + uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    why = postgres_available()
    if why is not None:
        if os.environ.get("GDPRCRM_REQUIRE_POSTGRES"):
            pytest.fail(why)
        pytest.skip(why)
    yield DSN
    drop_test_schemas()


def drop_test_schemas() -> None:
    import psycopg

    with psycopg.connect(DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (PREFIX + "%",)
        ).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

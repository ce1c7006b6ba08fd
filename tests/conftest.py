"""Test-suite configuration: Hypothesis profiles, and the real PostgreSQL server.

``dev`` (the default) explores more; ``ci`` (chosen when the CI environment variable is
set, or with HYPOTHESIS_PROFILE=ci) is derandomised and bounded so CI stays fast.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

# PostgreSQL for the adapter tests: the real server, never a mock. The DSN comes from
# GDPRCRM_TEST_POSTGRES (default: the local server, database "test"). If the server
# cannot be reached those tests are skipped, unless GDPRCRM_REQUIRE_POSTGRES is set
# (CI sets it), in which case they fail.

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
    import psycopg.sql

    with psycopg.connect(DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (PREFIX + "%",)
        ).fetchall()
        for (name,) in rows:
            conn.execute(
                psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    psycopg.sql.Identifier(name)
                )
            )

"""Storage tests share the PostgreSQL helpers of tests/conftest.py."""

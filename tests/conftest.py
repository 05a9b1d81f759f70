"""Fixtures shared by every test package: a real PostgreSQL server when asked for."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import PostgresServer, find_binaries


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session; skipped locally, a failure in CI, without it."""
    bin_dir, why = find_binaries()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {why}")
        pytest.skip(why)
    server = PostgresServer(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """Each test that takes it runs on both databases: SQLite (WAL) and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mock.db'}"
    return request.getfixturevalue("postgres_server").create_database()

"""Fixtures shared by every test package: a real PostgreSQL server when asked for; and,
under pytest-xdist, each worker pinned to a core of its own (see :func:`pytest_configure`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.postgres import PostgresServer, find_binaries

settings.register_profile("peakload", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("peakload")
"""No per-example deadline and no check of the draws' wall time for the property tests:
make test runs them at idle priority (the Makefile), where a process may wait a second
for a core while a timed load test uses it, and a paused process is not a slow function."""

PIN_CORES = "PEAKLOAD_PIN_CORES"
"""Set (to 1) by ``make test`` for the load tests: pin each xdist worker to a core."""


def pytest_configure(config: pytest.Config) -> None:
    """With ``PEAKLOAD_PIN_CORES=1``, pin each pytest-xdist worker to one core of its
    own, with every process its tests start (the mock server, Locust's processes
    inherit the affinity). ``make test`` runs the load tests so, with as many
    workers as cores (``-n auto``): two load tests side by side never compete for
    a core. Within one test, though, the mock and its load generator now share one
    core where they had two: a test that judges waits of a fraction of a
    millisecond belongs in ``make test-long`` (one at a time, unpinned). The other
    tests are not pinned: a
    sizing search's process pool should have every core. Without xdist, or with
    more workers than cores, nothing is pinned."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    cores = sorted(os.sched_getaffinity(0))
    pin = os.environ.get(PIN_CORES) == "1"
    if pin and worker.startswith("gw") and 1 < workers <= len(cores):
        os.sched_setaffinity(0, {cores[int(worker[2:]) % len(cores)]})


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

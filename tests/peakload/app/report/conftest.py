"""Runs to report on (one of each kind, made once per session) and the browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peakload.app.report.browser import require_browser

SMOKE = Path(__file__).resolve().parents[4] / "scenarios" / "ci-smoke.toml"


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module's tests. Not for the session: Playwright's sync API keeps
    an event loop running while it is open, and the asyncio tests (anyio) a pytest-xdist
    worker runs after it in the same process could not start their own."""
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def simulation_run(tmp_path_factory) -> Path:
    from peakload.app.simulate.job import SimulateOptions, simulate

    out = tmp_path_factory.mktemp("simulation")
    return simulate(SimulateOptions(SMOKE, out=out)).run_dir


@pytest.fixture(scope="session")
def loadtest_run(tmp_path_factory) -> Path:
    from peakload.app.loadtest.job import LoadTestOptions, loadtest

    out = tmp_path_factory.mktemp("loadtest")
    return loadtest(LoadTestOptions(SMOKE, compress=40.0, out=out)).run_dir


@pytest.fixture(scope="session")
def sizing_run(tmp_path_factory) -> Path:
    from peakload.app.size.job import SizeOptions, size

    out = tmp_path_factory.mktemp("sizing")
    return size(SizeOptions(SMOKE, replications=2, out=out)).run_dir

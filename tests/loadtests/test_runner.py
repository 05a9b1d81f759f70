"""The load test end to end: ci-smoke for ~30 s against a mock the test starts.

The runs go through the app function, as the benchmarks do; one test goes
through ``peakload loadtest`` for its exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from loadtests.mock_process import MockServer
from loadtests.run_files import read_shape
from peakload.app.loadtest.job import LoadTestOptions, LoadTestRun, loadtest
from peakload.cli import main
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.contract.api import TRANSACTIONS as CONTRACT_TRANSACTIONS
from tests.factories import assert_contract

pytestmark = [pytest.mark.slow, pytest.mark.load]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMOKE = SCENARIOS / "ci-smoke.toml"
TRANSACTIONS = set(CONTRACT_TRANSACTIONS)


@pytest.fixture
def mock(tmp_path, monkeypatch):
    monkeypatch.setenv("PEAKLOAD_ADMIN_TOKEN", DEV_ADMIN_TOKEN)
    server = MockServer(SMOKE, tmp_path / "mock.db")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def run(host: str | None = None, **options) -> LoadTestRun:
    # A relative out, as `make loadtest` passes: Locust runs inside the run directory.
    return loadtest(
        LoadTestOptions(scenario_path=SMOKE, host=host, compress=40, out="out", **options)
    )


def check_run(run_dir: Path) -> dict:
    summary = json.loads((run_dir / "summary.json").read_text())
    assert_contract(summary, "loadtest", {"gateway", "app", "signature", "db"})
    assert summary["window"] == ["09:05", "09:15"]
    sent = set(
        np.concatenate(
            [np.load(p)["transaction"] for p in (run_dir / "raw").glob("requests-*.npz")]
        )
    )
    names = [t for t in summary["transactions"]]
    assert {names[i] for i in sent} == TRANSACTIONS  # every transaction type was sent
    reconciliation = summary["reconciliation"]
    assert reconciliation["lost"] == 0 and reconciliation["duplicated"] == 0
    assert reconciliation["client_ok"] > 100
    assert reconciliation["server_records"] >= reconciliation["client_ok"]
    # The working users follow the shape: 60 through the plateau 09:03-09:17.
    shape = read_shape(run_dir)
    plateau = (shape["elapsed"] > (4 * 60) / 40) & (shape["elapsed"] < (16 * 60) / 40)
    assert np.all(shape["target"][plateau] == 60)
    assert np.abs(shape["users"][plateau] - 60).max() <= 1
    ramp = shape["elapsed"] < 2.0
    assert shape["users"][ramp].max() < 60  # still ramping in the first seconds
    assert {"locust_stats.csv", "locust-report.html", "timeseries.csv", "concurrency.png"} <= {
        p.name for p in run_dir.iterdir()
    }
    generator = summary["generator"]
    assert not generator["saturated"], generator["reasons"]
    assert generator["achieved_vs_intended"] == pytest.approx(1.0, abs=0.1)
    return summary


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.mark.untimed
def test_an_undersized_system_fails_with_the_slo_named(tmp_path):
    undersized = tmp_path / "undersized.toml"
    undersized.write_text(
        SMOKE.read_text()
        .replace(
            'name = "app"\ninstances = 2\nworkers = 2', 'name = "app"\ninstances = 1\nworkers = 1'
        )
        .replace("p95_s = 1.0", "p95_s = 0.08")
    )
    # Through the command line: a failed verdict is exit 1.
    args = ["--scenario", str(undersized), "--compress", "40", "--duration", "20", "--no-plots"]
    code = main(["loadtest", *args, "--out", "out", "--quiet"])
    assert code == 1
    (run_dir,) = (tmp_path / "out").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    messages = [v["message"] for v in summary["slo"]["violations"]]
    assert any(m.startswith("overall p95_s") for m in messages), messages
    assert summary["reconciliation"]["lost"] == summary["reconciliation"]["duplicated"] == 0


def test_ci_smoke_from_a_master_and_two_workers_against_a_mock_the_test_started(mock):
    """One run for both: the host the test started (one process, a master and its
    workers alike; test_closed.py runs a single process against its own mock)."""
    done = run(host=mock.url, workers=2)
    assert done.passed, (done.run_dir / "locust.log").read_text()[-2000:]
    summary = check_run(done.run_dir)
    assert summary["host"] == mock.url
    assert done.summary.tiers["app"].servers == 4  # tier figures from the mock's stats
    assert done.summary.slo.violations == []
    assert len(list((done.run_dir / "raw").glob("requests-*.npz"))) == 2  # one per worker
    assert done.summary.generator.processes == 3

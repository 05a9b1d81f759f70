"""One mock lent to two load tests in a row (calibrate's tour does so for its phases):
each run reads the mock's counters and records as differences over its own window, so
the second measures itself alone, and neither stops the mock; ``reports=False`` writes
only the files a run is read back from. A third run, with ``--host`` as against any
service and the first run's seed, still makes writes of its own: its Idempotency-Keys
are hashed with its own run token, not the seed's alone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from loadtests.run_files import read_raw
from peakload.app.errors import CouldNotRun
from peakload.app.loadtest.job import LoadTestOptions, loadtest, shared_mock
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.measure.calibration import tier_file

pytestmark = [pytest.mark.slow, pytest.mark.load]

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml"


def test_two_runs_on_one_mock_each_measure_themselves(tmp_path, monkeypatch):
    options = LoadTestOptions(
        scenario_path=SMOKE,
        compress=40,
        window=("09:05", "09:08"),
        out=tmp_path,
        plots=False,
        reports=False,
        seed=5,
    )
    mock = shared_mock(options, tmp_path)
    try:
        pid = mock.pid
        first = loadtest(options, mock=mock)
        with pytest.raises(CouldNotRun, match="seed 5 already ran on this mock"):
            loadtest(options, mock=mock)  # it would repeat the first run's users
        second = loadtest(replace(options, seed=6), mock=mock)
        assert mock.pid == pid and mock.mock.process.poll() is None  # still serving
        # seed 5 again, as any service is tested (--host): before each run's keys were
        # its own, its users drew the first run's keys and a third of its writes were
        # replays that reconciliation counted lost
        monkeypatch.setenv("PEAKLOAD_ADMIN_TOKEN", DEV_ADMIN_TOKEN)
        third = loadtest(replace(options, host=mock.url), mock=None)
    finally:
        mock.stop()
    busy = {}
    for run in (first, second, third):
        summary = json.loads((run.run_dir / "summary.json").read_text())
        reconciliation = summary["reconciliation"]
        assert reconciliation["client_ok"] > 50, reconciliation
        # the database holds both runs' records: counted from zero, the second's would
        # read twice its own
        assert reconciliation["lost"] == 0 and reconciliation["duplicated"] == 0
        assert reconciliation["server_records"] < 1.5 * reconciliation["client_ok"]
        busy[run.run_dir] = summary["tiers"]
        written = {p.name for p in run.run_dir.iterdir()}
        assert {"summary.json", "scenario.toml", "provenance.json", tier_file.FILENAME} <= written
        if run is not third:
            assert not written & {"report.html", "locust-report.html", "locust_stats.csv"}
        assert len(read_raw(run.run_dir).records["end"]) > 50
    # the second run's counters start where the first's ended, yet it reads its own load
    series = [tier_file.read(r.run_dir / tier_file.FILENAME) for r in (first, second)]
    assert series[1].busy_s["db"][0] >= series[0].busy_s["db"][-1] > 0
    for tiers in busy.values():
        assert all(0 < tier["utilization"] < 1 for tier in tiers.values()), tiers

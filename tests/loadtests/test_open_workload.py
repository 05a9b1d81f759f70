"""Open workloads under load, end to end: short runs against the mock this starts.

Each run is an M/M/c station (one ``search_budget_codes`` step on one app
tier, exponential service): cheap for the mock, and its answers are known.
Rates are compared with the Poisson count's own spread (4 standard
deviations), never with wall-clock timing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from peakload.app.loadtest.job import LoadTestOptions, loadtest

pytestmark = [pytest.mark.slow, pytest.mark.load]

DURATION_S = 20
OVERLOAD_S = 12
"""The overloaded station's run: its queue grows by 20 requests a second, and the mock
serves every one of them after the run, abandoned or not, before the records are
counted (about 20 s more after a 20 s run, 12 s after this one)."""


def station(
    tmp_path: Path,
    rate: float,
    servers: int,
    service_s: float,
    timeout_s: float = 30.0,
    duration_s: int = DURATION_S,
) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f"""
[scenario]
name = "open-station"
seed = 7
start = "10:00"
end = "10:00:{duration_s:02d}"

[workload]
kind = "open"
rate = [["10:00", {rate}]]
timeout_s = {timeout_s}
retries = 0

[[transactions]]
name = "search_budget_codes"
weight = 1
demand = {{ app = {{ dist = "exponential", mean = {service_s} }} }}

[[tiers]]
name = "app"
instances = 1
workers = {servers}
"""
    )
    return path


def run(tmp_path: Path, scenario: Path, **options) -> tuple[dict, Path]:
    done = loadtest(
        LoadTestOptions(scenario, compress=1.0, out=tmp_path / "out", plots=False, **options)
    )
    return json.loads((done.run_dir / "summary.json").read_text()), done.run_dir


def within_poisson(count: int, rate: float, seconds: float) -> bool:
    expected = rate * seconds
    return abs(count - expected) < 4 * np.sqrt(expected)


def assert_kept_the_schedule(summary: dict) -> None:
    """The generator began its flows on the schedule, not on the answers.

    A generator paced by the answers starts a large share of its flows late, more
    the longer the run. Alone, these stations start none 0.1 s late (the latest 3 to
    5 ms after its time, three runs of the overloaded one). In CI, beside the other
    load tests, one stall of the whole generator (up to 0.3 s; on this virtual
    machine most likely the host taking its core) has put 1.05 % and 1.2 % of the
    starts over 0.1 s late in a run, which the generator rightly reports as having
    fallen behind: that is the product's 1 % bar (``schedule.LATE_SHARE``) doing its
    work, not this test's point. So: at most 5 % late, a mean lag under 20 ms, and no
    other reason for falling behind (its CPU, starts that never began)."""
    arrivals = summary["arrivals"]
    assert arrivals["late_fraction"] <= 0.05, arrivals
    assert arrivals["start_lag_mean_s"] < 0.02, arrivals
    reasons = [r for r in summary["generator"]["reasons"] if "after their scheduled" not in r]
    assert not reasons, reasons


def test_arrivals_follow_the_rate_and_latency_counts_from_the_schedule(tmp_path):
    """60 req/s at utilization 0.6: every scheduled start began, on the schedule."""
    summary, run_dir = run(tmp_path, station(tmp_path, rate=60.0, servers=10, service_s=0.1))
    arrivals = summary["arrivals"]
    assert within_poisson(arrivals["scheduled"], 60.0, DURATION_S)
    assert arrivals["started"] == arrivals["scheduled"]
    assert arrivals["dropped"] == 0
    records = np.load(next((run_dir / "raw").glob("requests-*.npz")))
    first = records["scheduled"] < records["sent"]  # a flow's first request, late or not
    assert len(records["sent"]) == arrivals["started"]  # one-step flows: a request each
    assert np.all(records["scheduled"] <= records["sent"]) and first.any()
    latency = summary["latency"]
    assert latency["judged_on"] == "scheduled"
    for key in ("mean_s", "p50_s", "p95_s", "p99_s"):
        assert latency["from_scheduled"][key] >= latency["from_sent"][key]
    assert summary["overall"]["p95_s"] == latency["from_scheduled"]["p95_s"]  # the SLO's
    assert_kept_the_schedule(summary)


def test_overload_holds_the_rate(tmp_path):
    """Twice the capacity (40 req/s at c = 2 x 0.1 s), a 2 s time-out: the starts
    keep to the schedule while answers slow, and time-outs appear (the queue passes
    the 40 requests a 2 s wait means within about 2 s of the start)."""
    scenario = station(
        tmp_path, rate=40.0, servers=2, service_s=0.1, timeout_s=2.0, duration_s=OVERLOAD_S
    )
    summary, run_dir = run(tmp_path, scenario)
    arrivals = summary["arrivals"]
    assert within_poisson(arrivals["scheduled"], 40.0, OVERLOAD_S)
    assert arrivals["dropped"] == 0  # the default cap covers every flow timing out
    assert arrivals["started"] == arrivals["scheduled"]
    # Begun on the schedule, not on the answers (paced by the answers, about half the
    # flows would start late: the station answers 20 of the 40 a second).
    assert_kept_the_schedule(summary)
    records = np.load(next((run_dir / "raw").glob("requests-*.npz")))
    assert len(records["sent"]) >= arrivals["started"] - 5
    assert summary["overall"]["timeouts"] > 0


@pytest.mark.untimed
def test_starts_are_dropped_and_counted_at_a_small_cap(tmp_path):
    """40 req/s of 0.2 s flows need ~8 users; a cap of 3 drops most starts."""
    scenario = station(tmp_path, rate=40.0, servers=10, service_s=0.2)
    summary, run_dir = run(tmp_path, scenario, pool_max=3)
    arrivals = summary["arrivals"]
    assert arrivals["pool_max"] == 3
    assert arrivals["dropped"] > 0.3 * arrivals["scheduled"]
    assert (
        arrivals["dropped"] + arrivals["started"] + arrivals["never_begun"]
        == (arrivals["scheduled"])
    )
    assert arrivals["pool_users_peak"] <= 3
    per_minute = np.genfromtxt(run_dir / "timeseries.csv", delimiter=",", names=True)
    assert np.atleast_1d(per_minute["dropped"]).sum() == arrivals["dropped"]
    assert summary["generator"]["dropped_starts"] == arrivals["dropped"]
    assert summary["slo"]["pass"] is False
    assert any(v["metric"] == "dropped_starts" for v in summary["slo"]["violations"])


def test_two_workers_share_the_rate(tmp_path):
    """Each of two worker processes draws half the rate; together, the whole."""
    summary, run_dir = run(
        tmp_path, station(tmp_path, rate=60.0, servers=10, service_s=0.05), workers=2
    )
    logs = sorted((run_dir / "raw").glob("arrivals-*.npz"))
    assert len(logs) == 2  # one schedule per worker, none on the master
    shares = [len(np.load(p)["scheduled"]) for p in logs]
    for share in shares:
        assert within_poisson(share, 30.0, DURATION_S)
    arrivals = summary["arrivals"]
    assert arrivals["scheduled"] == sum(shares)
    assert within_poisson(arrivals["scheduled"], 60.0, DURATION_S)
    assert arrivals["started"] == arrivals["scheduled"]
    assert len(list((run_dir / "raw").glob("requests-*.npz"))) == 2

"""Closed workloads as the plan runs them: the pool signs in before the clock, then
exactly the plan's active users work, ranked densely across processes, and the
window's request mix is the scenario's at any compression."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from loadtests.roster import MAX_SIGN_IN_RATE, Roster, preparation, setup_rate, spawn_count
from loadtests.run_files import read_raw, working_users
from peakload.cli import main
from peakload.core.clock import parse_clock
from peakload.core.plan import Plan
from peakload.core.scenario_file import load_scenario
from peakload.measure.observations import Timebase
from tests.loadtests.test_runner import SMOKE

pytestmark = pytest.mark.load  # real traffic or real timing (how make test runs it: the Makefile)

WINDOW = ("09:00", "09:10")  # the ramp 09:00-09:03 and the plateau: where compression bit


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def share_tolerance(share: float, requests: int) -> float:
    """Four standard errors of a share, doubled in variance because a flow's
    steps come together (a cluster, not independent draws), and at least 2 points."""
    return max(0.02, 4 * np.sqrt(2 * share * (1 - share) / requests))


@pytest.mark.parametrize("processes", [1, 2, 3])
@pytest.mark.untimed
def test_ranks_are_dense_and_every_active_count_is_met_exactly(processes):
    plan = Plan(str(SMOKE), workers=processes)
    rosters = [Roster(plan, i, processes) for i in range(processes)]
    per_process = spawn_count(plan) // processes
    ranks = sorted(r.join()[1] for r in rosters for _ in range(per_process))
    assert ranks == list(range(spawn_count(plan)))
    for active in range(plan.pool_users + 1):
        assert sum(r.local_active(active) for r in rosters) == active


@pytest.mark.untimed
def test_working_users_add_up_the_processes_at_each_tick(tmp_path):
    for pid, (walls, working) in enumerate([([0.0, 1.0, 2.0], [0, 3, 5]), ([0.5, 1.5], [2, 4])]):
        np.savez(tmp_path / f"activity-{pid}.npz", wall=walls, working=working)
    shape = {"wall": np.array([-1.0, 0.7, 1.6, 2.5]), "users": np.zeros(4)}
    merged = working_users(shape, sorted(tmp_path.glob("activity-*.npz")))
    assert merged["users"].tolist() == [0, 0 + 2, 3 + 4, 5 + 4]


def measured(run_dir: Path) -> tuple[dict, dict, np.ndarray, dict]:
    """Summary, records, each record's scenario clock, and the merged shape log."""
    summary = json.loads((run_dir / "summary.json").read_text())
    raw = read_raw(run_dir)
    plan = summary["plan"]
    timebase = Timebase(plan["compress"], parse_clock(plan["run"][0]), raw.origin)
    return summary, raw.records, timebase.clock(raw.records["end"]), raw.shape


def run_smoke(tmp_path: Path, compress: int, *args: str) -> Path:
    code = main(
        ["loadtest", "--scenario", str(SMOKE), "--compress", str(compress), "--window",
         "-".join(WINDOW), "--out", "out", "--quiet", "--no-plots", *args]
    )  # fmt: skip
    run_dir = sorted((tmp_path / "out").iterdir())[-1]
    assert code in (0, 1), (run_dir / "locust.log").read_text()[-2000:]  # 1: SLO under load
    return run_dir


def assert_mix_and_no_sign_in(summary: dict, records: dict, clock: np.ndarray) -> None:
    """The whole pool signed in before the clock, and the window's mix is the scenario's."""
    names = list(summary["transactions"])
    login = names.index("login")
    # The whole pool signed in before the clock: every login lies before the run's start.
    sign_ins = clock[records["transaction"] == login]
    assert len(sign_ins) == 60 and sign_ins.max() < parse_clock(WINDOW[0])
    counts = {name: t["count"] for name, t in summary["transactions"].items()}
    total = sum(counts.values())
    assert counts["login"] == 0 and total == summary["overall"]["requests"] >= 200
    for name, share in load_scenario(SMOKE).step_shares().items():
        measured_share = counts[name] / total
        assert abs(measured_share - share) <= share_tolerance(share, total), (name, counts)


@pytest.mark.slow
@pytest.mark.untimed
def test_the_window_sends_the_scenarios_mix_and_no_sign_in(tmp_path):
    run_dir = run_smoke(tmp_path, 20)
    summary, records, clock, _ = measured(run_dir)
    assert_mix_and_no_sign_in(summary, records, clock)
    # each transaction's window latencies, for compare's intervals of its percentiles
    with np.load(run_dir / "transaction_latencies.npz") as saved:
        counts = {name: len(saved[name]) for name in saved.files}
    assert counts == {
        name: row["count"] for name, row in summary["transactions"].items() if row["count"]
    }
    assert sum(counts.values()) == len(np.load(run_dir / "latencies.npy"))


@pytest.mark.slow
def test_two_workers_keep_exactly_the_active_users_working(tmp_path):
    """At x40, the other compression the mix is checked at, from two worker processes."""
    run_dir = run_smoke(tmp_path, 40, "--workers", "2")
    summary, records, clock, shape = measured(run_dir)
    assert_mix_and_no_sign_in(summary, records, clock)
    assert len(list((run_dir / "raw").glob("activity-*.npz"))) == 2  # one per worker
    plateau = shape["target"] == 60
    assert plateau.sum() >= 5
    assert np.all(shape["users"][plateau] == 60)
    # On the ramp the workers sample ten times a second: at most a tick behind.
    assert np.abs(shape["users"] - shape["target"]).max() <= 3
    assert summary["overall"]["mean_concurrency"] == pytest.approx(shape["target"].mean(), abs=2)


@pytest.mark.untimed
def test_a_run_cut_before_its_window_exits_2_with_the_reason(tmp_path, capsys):
    code = main(
        ["loadtest", "--scenario", str(SMOKE), "--compress", "1", "--duration", "60",
         "--out", "out", "--quiet"]
    )  # fmt: skip
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "stops the run at 09:01" in lines[0] and "before the window 09:05-09:15" in lines[0]
    assert "--duration 900 or more, or --compress 15 or more" in lines[0]
    assert not (tmp_path / "out").exists()  # refused before anything ran


@pytest.mark.slow
@pytest.mark.untimed
def test_too_few_requests_exit_2_and_say_what_to_change(tmp_path, capsys):
    code = main(
        ["loadtest", "--scenario", str(SMOKE), "--compress", "40", "--window", "09:05-09:07",
         "--min-requests", "100000", "--out", "out", "--quiet", "--no-plots"]
    )  # fmt: skip
    assert code == 2
    line = capsys.readouterr().err.strip()
    assert "fewer than --min-requests 100000" in line and "--compress" in line
    summary = json.loads((sorted((tmp_path / "out").iterdir())[-1] / "summary.json").read_text())
    assert summary["plan"]["min_requests"] == 100000


@pytest.mark.untimed
def test_the_setup_prepares_only_the_record_an_entry_acts_on_at_a_rate_the_tiers_take():
    payment = ["search_budget_codes", "create_payment", "sign_payment", "submit_payment"]
    assert preparation(payment, 0) == [] and preparation(payment, 1) == []
    assert preparation(payment, 3) == ["create_payment", "sign_payment"]
    april = load_scenario(SMOKE.parent / "kbnn-2020-04-peak.toml")
    # Sign-in alone would allow 0.8 x 5 / 0.05 = 80 a second on the signature tier;
    # the signed orders and dossiers some entries need bring it well below that.
    assert 20 < setup_rate(april) < 80
    assert setup_rate(load_scenario(SMOKE)) <= MAX_SIGN_IN_RATE


SLOW_STEPS = Path(__file__).parent / "scenarios" / "slow-steps.toml"


@pytest.mark.slow
def test_user_scale_scales_each_users_cycle_so_slow_steps_keep_the_rate(tmp_path):
    # 60 users thinking 2 s before 0.5 s steps send 24 requests a second. At user scale
    # 0.25, 15 users must each live a 0.625 s cycle: a 0.125 s think after each answer.
    # Scaling the think alone (0.5 s) gave a 1.0 s cycle: 15 a second (measured 15.0).
    code = main(
        ["loadtest", "--scenario", str(SLOW_STEPS), "--compress", "10", "--user-scale",
         "0.25", "--out", "out", "--quiet", "--no-plots"]
    )  # fmt: skip
    run_dir = sorted((tmp_path / "out").iterdir())[-1]
    assert code in (0, 1), (run_dir / "locust.log").read_text()[-2000:]
    summary, _, _, shape = measured(run_dir)
    window = shape["elapsed"] >= 6.0  # 09:01 at x10
    assert np.all(shape["users"][window] == 15)  # every user at work, none parked
    step = summary["overall"]["mean_s"]  # 0.5 s in the app tier, plus HTTP on a busy machine
    assert 0.5 <= step < 0.6
    # Each user's cycle is 0.25 x (2 s + its step), whatever the step took: 60 / (2 + step).
    assert summary["overall"]["throughput_rps"] == pytest.approx(60 / (2 + step), rel=0.05)

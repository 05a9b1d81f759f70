"""Sizing's shortcuts: sequential replications, the analytic pre-screen, the short day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from peakload.core.clock import parse_clock
from peakload.core.scenario_file import load_scenario, scenario_from_dict
from simulation.analytic import mmc_sojourn_percentile
from simulation.executors import LocalExecutor
from simulation.model import Model
from simulation.runner import replication_seeds, run_replication
from simulation.sizing import Candidate, Config, Sizer, Stop
from simulation.sizing_bounds import peak_day, warmup_s
from simulation.sizing_screen import screen
from tests.factories import station_scenario
from tests.simulation.kept import run_kept

pytestmark = pytest.mark.compute  # simulation only: see pyproject's markers

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SERVICE_S = 0.1
RATE = 30.0


def one_tier(p95_s: float):
    """An open M/M/c station, 30 requests/s of 0.1 s each, judged on p95 alone."""
    return scenario_from_dict(
        {
            "scenario": {
                "name": "known",
                "seed": 7,
                "start": "00:00",
                "end": "00:12",
                "window": ["00:02", "00:12"],
            },
            "workload": {"kind": "open", "rate": [["00:00", RATE]], "timeout_s": 1e5},
            "transactions": [
                {
                    "name": "job",
                    "weight": 1,
                    "demand": {"app": {"dist": "exponential", "mean": SERVICE_S}},
                }
            ],
            "tiers": [{"name": "app", "instances": 1, "workers": 1}],
            "slo": {"p95_s": p95_s},
        }
    )


@pytest.fixture(scope="module")
def executor():
    pool = LocalExecutor(1)  # in this process: the figures do not depend on it
    yield pool
    pool.close()


def settle(p95_limit: float, servers: list[int], executor, cheapest: bool = False):
    sizer = Sizer(one_tier(p95_limit), executor, replications=5, n1=False)
    candidates = [Candidate(Config((c,), (1,))) for c in servers]
    return sizer, sizer.settle(candidates, cheapest=cheapest)


def test_a_clear_pass_and_a_clear_fail_stop_after_two_replications(executor):
    p95_at_5 = mmc_sojourn_percentile(0.95, RATE, SERVICE_S, 5)
    _, (clear_pass,) = settle(3 * p95_at_5, [5], executor)
    _, (clear_fail,) = settle(p95_at_5 / 3, [5], executor)
    assert (clear_pass.stop, clear_pass.replications) == (Stop.ACCEPTED, 2)
    assert (clear_fail.stop, clear_fail.replications) == (Stop.REJECTED, 2)
    assert clear_pass.passes and not clear_fail.passes


def test_a_limit_at_the_true_p95_needs_more_than_two_replications(executor):
    # At n = 2 the half-width is t(0.975, 1) = 12.7 standard errors: an interval
    # around the limit itself cannot clear it so soon.
    p95_at_5 = mmc_sojourn_percentile(0.95, RATE, SERVICE_S, 5)
    _, (close,) = settle(p95_at_5, [5], executor)
    assert close.replications > 2
    if close.stop is Stop.AT_MAXIMUM:
        assert close.replications == 5 and not close.passes


def test_an_unstable_candidate_is_screened_out_without_a_replication(executor):
    # 30 requests/s x 0.1 s = 3 busy servers: 2 servers can never keep up.
    scenario = one_tier(1.0).model_copy(
        update={"slo": one_tier(1.0).slo.model_copy(update={"max_utilization": 0.9})}
    )
    sizer = Sizer(scenario, executor, replications=5, n1=False)
    (two,) = sizer.settle([Candidate(Config((2,), (1,)))])
    assert two.stop is Stop.SCREENED and two.replications == 0
    assert sizer.replications_run == 0
    assert "app utilization at least 150.0%" in two.reason


def test_candidates_costlier_than_an_accepted_one_run_nothing(executor):
    p95_at_5 = mmc_sojourn_percentile(0.95, RATE, SERVICE_S, 5)
    sizer, (five, six, seven) = settle(3 * p95_at_5, [5, 6, 7], executor, cheapest=True)
    assert five.stop is Stop.ACCEPTED
    # all three ran their first round together; once five is accepted, the
    # costlier ones are beaten whatever they would show
    assert {six.stop, seven.stop} <= {Stop.ACCEPTED, Stop.DOMINATED}
    assert sizer.replications_run <= 6


def test_the_utilization_floor_is_below_what_a_passing_candidate_simulates():
    scenario = load_scenario(SCENARIOS / "ci-smoke.toml")
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    summary = run_replication(scenario, seed, series=False).summary
    config = Config(
        tuple(t.instances for t in scenario.tiers), tuple(t.workers for t in scenario.tiers)
    )
    floors = screen(scenario, config).utilization_floor
    assert summary.slo is None or summary.tiers
    for name, floor in floors.items():
        simulated = summary.tiers[name].utilization
        assert 0.4 * simulated < floor <= simulated, name  # a bound; loose for 2 s thinks


def test_the_nationwide_screen_rules_out_two_app_servers_only():
    scenario = load_scenario(SCENARIOS / "nationwide-2020-12.toml")
    workers = tuple(t.workers for t in scenario.tiers)
    assert screen(scenario, Config((2, 2, 2, 2), workers)).over == ["app"]
    assert screen(scenario, Config((2, 3, 2, 2), workers)).over == []
    assert screen(scenario, Config((2, 3, 1, 2), workers)).over == ["signature"]


def test_a_short_day_starts_two_thinks_before_the_window_with_users_at_work():
    scenario = load_scenario(SCENARIOS / "nationwide-2020-12.toml")
    day, in_state = peak_day(scenario)
    assert in_state
    assert warmup_s(scenario) == 2 * 280.0
    assert day.start_s == parse_clock("09:00") - 560.0
    assert day.end_s == parse_clock("11:00")
    smoke = load_scenario(SCENARIOS / "ci-smoke.toml")  # no room before its window
    assert peak_day(smoke)[1] is False


def requests_per_window(in_state: bool) -> tuple[int, int]:
    """Requests sent in the first 30 s and in 30 s ten minutes on, 3,000 users thinking
    a lognormal 30 s (cv 0.25) between tiny requests."""
    scenario = station_scenario(
        [{"name": "app", "instances": 1, "workers": 500}],
        {"app": {"dist": "exponential", "mean": 0.001}},
        users=3000,
        think={"dist": "lognormal", "mean": 30.0, "cv": 0.25},
        start="00:00",
        end="00:11",
    )
    start = run_kept(Model(scenario, np.random.SeedSequence(3), in_state=in_state)).start
    return int(np.sum(start < 30)), int(np.sum((start >= 600) & (start < 630)))


def test_users_started_in_state_send_at_the_steady_rate_from_the_first_second():
    # 3,000 users cycling every ~30 s send ~3,000 requests in any 30 s once mixed.
    first, later = requests_per_window(in_state=True)
    assert later == pytest.approx(3000, rel=0.1)
    assert first == pytest.approx(later, rel=0.08)  # ~4 standard deviations
    # Users started from nothing all think a whole think first: P(T < 30 s) is
    # about one half for this lognormal, so the first 30 s fall well short.
    cold_first, _ = requests_per_window(in_state=False)
    assert cold_first < 0.8 * later


def test_a_candidate_on_the_short_day_sees_the_window_the_whole_day_gives(executor):
    # ci-smoke with its plateau and window moved an hour on, so that a short day
    # (5 min of warm-up) starts long after the ramp: the window's throughput and
    # p95 on the same seeds agree with the day's from 09:00.
    smoke = load_scenario(SCENARIOS / "ci-smoke.toml")
    info = smoke.scenario.model_copy(update={"end": "10:20", "window": ["10:00", "10:15"]})
    workload = smoke.workload.model_copy(
        update={"concurrency": [("09:00", 0), ("09:03", 60), ("10:17", 60), ("10:20", 0)]}
    )
    scenario = smoke.model_copy(update={"scenario": info, "workload": workload})
    config = Config(
        tuple(2 * t.instances for t in scenario.tiers), tuple(t.workers for t in scenario.tiers)
    )
    long_day = Sizer(scenario, executor, replications=5, n1=False, short_day=False)
    short_day = Sizer(scenario, executor, replications=5, n1=False, short_day=True)
    assert short_day.day(1.0)[0].start_s == parse_clock("10:00") - 300
    figures = []
    for sizer in (long_day, short_day):
        sizer.settle([Candidate(config)])
        runs = sizer._runs[Candidate(config)]
        figures.append(
            (
                np.mean([r.overall.throughput_rps for r in runs]),
                np.mean([r.overall.p95_s for r in runs]),
            )
        )
    (long_rate, long_p95), (short_rate, short_p95) = figures
    assert short_rate == pytest.approx(long_rate, rel=0.03)
    assert short_p95 == pytest.approx(long_p95, rel=0.05)

"""Mechanics of the model: population control, time-outs, refusals, seeds."""

import gc
from pathlib import Path

import numpy as np
import pytest

from peakload.core.clock import parse_clock
from peakload.core.failure import Failure
from peakload.core.scenario_file import load_scenario
from peakload.measure.stats import Outcome
from simulation.model import Model
from simulation.runner import simulate
from tests.factories import exponential, station_scenario
from tests.simulation.kept import run_kept

pytestmark = pytest.mark.compute  # simulation only: see pyproject's markers

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run(scenario, seed=1):
    return run_kept(Model(scenario, np.random.SeedSequence(seed)))


def ended_at(scenario, clock: str):
    info = scenario.scenario.model_copy(update={"end": clock})
    return scenario.model_copy(update={"scenario": info})


@pytest.mark.slow
def test_april_peak_concurrency_follows_the_profile():
    scenario = ended_at(load_scenario(SCENARIOS / "kbnn-2020-04-peak.toml"), "11:00:01")
    records = run(scenario)
    in_window = (records.sample_time >= parse_clock("09:00")) & (
        records.sample_time <= parse_clock("11:00")
    )
    users = records.concurrency[in_window]
    assert users.max() == pytest.approx(13_000, rel=0.02)
    assert users.min() >= 10_000
    # Adjusted every simulated second: never more than one user off the target.
    assert np.abs(records.concurrency - np.round(records.target)).max() <= 1
    # Each user signs in once: sign-ins equal the users started (13,000 by 10:00).
    login = records.transaction_names.index("login")
    assert np.count_nonzero(records.transaction == login) == 13_000


def test_a_client_gives_up_at_its_timeout_and_the_server_still_finishes():
    scenario = station_scenario(
        [{"name": "slow", "instances": 1, "workers": 1}],
        {"slow": {"dist": "deterministic", "value": 5.0}},
        users=3,
        think={"dist": "deterministic", "value": 1.0},
        end="01:00",
        timeout_s=2.0,
        retries=1,
    )
    records = run_kept(Model(scenario, np.random.SeedSequence(1)))
    model = records.model
    response = records.response
    assert np.all(records.outcome == Outcome.TIMEOUT)
    assert np.allclose(response, 2.0)  # the client waited exactly timeout_s
    # Every abandoned attempt stays in the server's queue: the server works through
    # them back to back, 5 s each, all hour long, though nobody is waiting any more.
    slow = model.tiers["slow"]
    in_flight_at_end = len(records.tiers["slow"].arrivals) + len(slow.queue) - len(response)
    assert 0 <= in_flight_at_end <= 3  # one attempt per user may be unfinished
    starts = records.tiers["slow"].service_starts
    assert len(starts) == 3600 // 5
    assert np.allclose(np.diff(starts), 5.0)
    # Each failure is retried once, retry_delay_s (1 s) after the give-up: a user's
    # cycle is think 1 + wait 2 + delay 1 + wait 2 = 6 s for two attempts.
    assert len(response) == pytest.approx(3 * 3600 / 6 * 2, rel=0.01)


def test_an_answer_at_the_very_float_of_the_deadline_is_a_time_out():
    # A fixed 2 s service against a 2 s time-out: each answer comes exactly as the
    # client gives up. It is a time-out whichever event SimPy takes first.
    scenario = station_scenario(
        [{"name": "exact", "instances": 1, "workers": 1}],
        {"exact": {"dist": "deterministic", "value": 2.0}},
        users=1,
        think={"dist": "deterministic", "value": 1.0},
        end="00:10",
        timeout_s=2.0,
        retries=0,
    )
    records = run_kept(Model(scenario, np.random.SeedSequence(1)))
    assert len(records.outcome) > 100
    assert np.all(records.outcome == Outcome.TIMEOUT)
    assert np.all(records.response == 2.0)


def test_a_full_queue_refuses_at_once_and_the_retry_comes_after_the_delay():
    scenario = station_scenario(
        [{"name": "app", "instances": 1, "workers": 1, "queue_limit": 0}],
        {"app": exponential(1.0)},
        users=20,
        think=exponential(0.5),
        end="01:00",
        retries=2,
    )
    records = run(scenario)
    refused = records.outcome == Outcome.REFUSED
    assert refused.mean() > 0.5
    assert np.all(records.response[refused] == 0.0)
    assert records.tiers["app"].refusals.size == refused.sum()
    assert records.tiers["app"].max_queue_by_minute.max() == 0


def test_users_told_to_stop_send_nothing_after_their_last_request():
    scenario = station_scenario(
        [{"name": "app", "instances": 1, "workers": 4}],
        {"app": exponential(0.05)},
        users=50,
        think=exponential(1.0),
        end="00:20",
    )
    scenario = scenario.model_copy(
        update={
            "workload": scenario.workload.model_copy(
                update={"concurrency": [("00:00", 50), ("00:10", 50), ("00:11", 0)]}
            )
        }
    )
    records = run(scenario)
    assert records.concurrency[-1] == 0
    # Requests in flight at 00:11 may finish; none starts later than that.
    assert records.start.max() <= parse_clock("00:11")


def test_open_arrivals_follow_a_time_varying_rate():
    scenario = station_scenario(
        [{"name": "app", "instances": 1, "workers": 50}],
        {"app": exponential(0.01)},
        rate=0.0,
        end="02:00",
    )
    scenario = scenario.model_copy(
        update={
            "workload": scenario.workload.model_copy(
                update={"rate": [("00:00", 0.0), ("02:00", 20.0)]}
            )
        }
    )
    records = run(scenario)
    first_hour = np.count_nonzero(records.start < 3600)
    second_hour = np.count_nonzero(records.start >= 3600)
    # Expected 18,000 and 54,000 arrivals; Poisson sd is under 250.
    assert first_hour == pytest.approx(18_000, abs=1_000)
    assert second_hour == pytest.approx(54_000, abs=1_500)


def test_same_seed_same_numbers_other_seed_other_numbers():
    scenario = load_scenario(SCENARIOS / "ci-smoke.toml")
    a = simulate(scenario, seed=5).summary
    b = simulate(scenario, seed=5).summary
    c = simulate(scenario, seed=6).summary
    assert a.overall == b.overall and a.tiers == b.tiers
    assert a.overall.mean_s != c.overall.mean_s  # (a p95 may share a sketch's bucket)


def test_parallel_replications_give_the_same_numbers_as_serial_ones():
    scenario = load_scenario(SCENARIOS / "ci-smoke.toml")
    serial = simulate(scenario, replications=3, jobs=1).summary
    parallel = simulate(scenario, replications=3, jobs=2).summary
    assert serial.overall == parallel.overall
    assert serial.overall.ci95("mean_s") > 0


def test_progress_reaches_the_whole_run():
    scenario = load_scenario(SCENARIOS / "ci-smoke.toml")
    seen: list[float] = []
    simulate(scenario, replications=2, jobs=1, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(2 * (scenario.end_s - scenario.start_s))


@pytest.mark.parametrize(
    ("scenario_file", "timeout_s", "failure"),
    [
        ("ci-smoke.toml", None, None),
        ("ci-smoke.toml", 0.05, Failure(tier="signature", start="09:05", end="09:10")),
        ("checks/open-mmc.toml", None, None),
    ],
)
def test_a_day_makes_no_reference_cycles(scenario_file, timeout_s, failure):
    # The run keeps the collector off (peakload.core.runtime.without_collections),
    # which holds memory only while everything it makes is freed by reference counting.
    scenario = load_scenario(SCENARIOS / scenario_file)
    if timeout_s is not None:  # time-outs and retries: the watchdog's paths too
        workload = scenario.workload.model_copy(update={"timeout_s": timeout_s})
        scenario = scenario.model_copy(update={"workload": workload})
    failures = (failure,) if failure else ()
    model = Model(scenario, np.random.SeedSequence(3), failures=failures)
    gc.collect()
    model.run()
    assert model.requests.attempts > 0
    assert gc.collect() == 0

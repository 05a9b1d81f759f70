"""The open workload's schedule, pool sizes and schedule statistics, without Locust."""

from __future__ import annotations

import numpy as np
import pytest

from loadtests.arrivals import ArrivalRate, poisson_schedule
from loadtests.pool_size import MAX_USERS_PER_PROCESS, PoolSize, default_pool_size
from peakload.measure import schedule
from tests.factories import exponential, station_scenario


def draw(rate: ArrivalRate, duration_s: float, seed: int) -> np.ndarray:
    return np.fromiter(poisson_schedule(rate, duration_s, np.random.default_rng(seed)), float)


def test_a_constant_rate_is_a_poisson_process():
    times = draw(ArrivalRate(lambda t: 90.0, 90.0, constant=True), 2000.0, seed=1)
    expected = 90.0 * 2000.0
    assert abs(len(times) - expected) < 4 * np.sqrt(expected)
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(1 / 90.0, rel=0.01)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.02)  # exponential: cv 1
    assert np.all(gaps > 0) and times[0] >= 0 and times[-1] < 2000.0


def test_thinning_follows_a_ramp():
    """Rate 0 -> 200/s over 100 s: the count in each tenth follows the ramp's area."""
    rate = ArrivalRate(lambda t: 2.0 * t, 200.0, constant=False)
    times = draw(rate, 100.0, seed=2)
    counts, edges = np.histogram(times, bins=10, range=(0, 100))
    expected = edges[1:] ** 2 - edges[:-1] ** 2  # the integral of 2t
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected) + 1)


def test_shares_of_a_rate_add_up_to_it():
    """Two processes at rate/2 with their own seeds: together the full rate."""
    half = ArrivalRate(lambda t: 50.0, 50.0, constant=True)
    together = np.sort(np.concatenate([draw(half, 1000.0, seed=s) for s in (3, 4)]))
    assert abs(len(together) - 100_000) < 4 * np.sqrt(100_000)
    assert np.diff(together).std() / np.diff(together).mean() == pytest.approx(1.0, abs=0.03)


def test_no_rate_no_arrivals():
    assert len(draw(ArrivalRate(lambda t: 0.0, 0.0, constant=True), 100.0, seed=1)) == 0


def mmc(rate: float, timeout_s: float = 5.0, retries: int = 0):
    return station_scenario(
        [{"name": "app", "instances": 1, "workers": 10}],
        {"app": exponential(0.1)},
        rate=rate,
        timeout_s=timeout_s,
        retries=retries,
    )


def test_default_pool_covers_the_longest_flows_at_the_peak():
    size = default_pool_size(mmc(180.0, timeout_s=5.0), 180.0, processes=1)
    assert size.start == 4 * 18  # 4 x (180/s x 0.1 s)
    assert size.max >= 180 * 5.0  # every flow timing out still finds a user


def test_default_pool_is_held_under_the_per_process_limit():
    size = default_pool_size(mmc(5000.0, timeout_s=30.0, retries=2), 5000.0, processes=2)
    assert size.max == 2 * MAX_USERS_PER_PROCESS


def test_pool_size_is_checked():
    with pytest.raises(ValueError, match="pool-max"):
        PoolSize(10, 5)
    assert PoolSize(5, 11).per_process(2) == PoolSize(3, 6)


def test_latency_from_the_schedule_is_never_below_the_send_time():
    rng = np.random.default_rng(5)
    sent = rng.uniform(0, 100, 1000)
    records = {
        "sent": sent,
        "scheduled": sent - rng.exponential(0.05, 1000),
        "response": rng.exponential(0.2, 1000),
    }
    records["end"] = records["sent"] + records["response"]
    open_ = schedule.judged_response(records, schedule.LatencyBasis.SCHEDULED)
    closed = schedule.judged_response(records, schedule.LatencyBasis.SENT)
    assert np.all(open_ >= closed) and np.any(open_ > closed)
    section = schedule.latency_section(records, np.ones(1000, bool), schedule.basis(True))
    assert section["judged_on"] == "scheduled"
    for key in ("mean_s", "p50_s", "p95_s", "p99_s"):
        assert section["from_scheduled"][key] >= section["from_sent"][key]


def arrival_log(lags: list[float], dropped: list[int]) -> dict[str, np.ndarray]:
    n = len(lags)
    scheduled = np.arange(n, dtype=float)
    return {
        "scheduled": scheduled,
        "began": scheduled + np.array(lags),
        "dropped": np.array(dropped, dtype=np.int8),
        "waited_sign_in": np.zeros(n, dtype=np.int8),
        "sample_wall": np.array([0.0]),
        "pool_users": np.array([3]),
        "pool_busy": np.array([2]),
        "process": np.array([0]),
        "processes": np.array(1),
    }


def section_of(arrivals: dict[str, np.ndarray]) -> dict:
    n = len(arrivals["scheduled"])
    clock = arrivals["scheduled"]
    return schedule.arrival_section(arrivals, clock, (0.0, float(n)), float(n), 1.0, 3)


def test_a_slow_system_is_not_a_saturated_generator():
    """Starts on time (whatever the answers took): no reason to doubt the generator."""
    section = section_of(arrival_log([0.001] * 200, [0] * 200))
    assert schedule.open_saturation(section, sustained_cpu=40.0, cpu_warning=False) == []
    assert schedule.dropped_reason(section) is None


def test_late_starts_and_cpu_are_saturation():
    lags = [0.001] * 190 + [0.5] * 10  # 5 % of starts half a second late
    section = section_of(arrival_log(lags, [0] * 200))
    reasons = schedule.open_saturation(section, sustained_cpu=95.0, cpu_warning=False)
    assert len(reasons) == 2
    assert "95 %" in reasons[0] and "after their scheduled time" in reasons[1]


def test_dropped_starts_are_counted_and_reported():
    lags = [0.001] * 195 + [float("nan")] * 5
    section = section_of(arrival_log(lags, [0] * 195 + [1] * 5))
    assert section["dropped"] == 5 and section["started"] == 195
    assert section["never_begun"] == 0
    assert "5 of 200" in schedule.dropped_reason(section)
    edges = np.array([0.0, 100.0, 200.0])
    series = schedule.arrival_series(
        arrival_log(lags, [0] * 195 + [1] * 5),
        np.arange(200.0),
        np.array([0.0]),
        edges,
        np.diff(edges),
    )
    assert list(series["dropped"]) == [0, 5]
    assert list(series["arrivals_started_rps"]) == [1.0, 0.95]

"""benchmarks/calendar_environment.py: a calendar queue fires SimPy's events in the heap's order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from simpy import Environment
from simpy.events import URGENT, Event, Timeout

from benchmarks.calendar_environment import (
    CalendarEnvironment,
    expected_events_per_s,
    on_calendar,
)
from benchmarks.scale import APRIL, scaled
from peakload.core.scenario_file import load_scenario
from simulation.runner import replication_seeds, run_replication

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml"


def firing_order(env: Environment, seed: int, events: int = 20_000) -> list[tuple[float, int]]:
    """(time, label) of every event fired by a busy, tie-ridden schedule on ``env``.

    Each fired event schedules one or two more, until ``events`` are made: delays
    drawn from a few exact values (so many events share a time), zero, or
    continuous; now and then an urgent one at once, which must come before the
    normal ones already due at that time."""
    rng = np.random.default_rng(seed)
    fired: list[tuple[float, int]] = []
    made = 0

    def fire(event: Event) -> None:
        nonlocal made
        fired.append((env.now, event.value))
        for _ in range(int(rng.integers(1, 3))):
            if made >= events:
                return
            made += 1
            kind = rng.random()
            if kind < 0.05:
                urgent = Event(env)
                urgent._ok, urgent._value = True, made
                urgent.callbacks.append(fire)
                env.schedule(urgent, URGENT)
                continue
            if kind < 0.4:
                delay = float(rng.choice([0.0, 0.25, 0.5, 2.0]))
            else:
                delay = float(rng.exponential(0.3))
            Timeout(env, delay, value=made).callbacks.append(fire)

    for _ in range(50):
        made += 1
        Timeout(env, float(rng.exponential(1.0)), value=made).callbacks.append(fire)
    env.run(until=900.0)
    return fired


@pytest.mark.parametrize("width", [0.001, 0.05, 1.0, 50.0])
def test_events_fire_in_the_heap_s_order_whatever_the_bucket_width(width):
    heap = firing_order(Environment(initial_time=10.0), seed=3)
    calendar = firing_order(CalendarEnvironment(initial_time=10.0, width=width), seed=3)
    assert len(heap) > 10_000
    assert calendar == heap


def test_a_quiet_stretch_is_crossed_and_an_empty_calendar_ends_the_run():
    env = CalendarEnvironment(initial_time=0.0, width=0.01)
    times: list[float] = []
    for delay in (5_000.0, 0.5, 86_000.0):  # buckets far apart, scheduled out of order
        Timeout(env, delay).callbacks.append(lambda _e: times.append(env.now))
    assert env.peek() == 0.5
    env.run()  # no until: returns when no event is left
    assert times == [0.5, 5_000.0, 86_000.0]
    assert env.peek() == float("inf")


def test_the_april_peak_makes_about_two_hundred_events_a_second_per_13_000_users():
    april = load_scenario(APRIL)
    # 13,000 users thinking 280 s: 46 requests a second, each a wake-up and about 3.2
    # tier visits (the simulator counted 4.31 events an attempt at the peak).
    assert expected_events_per_s(april) == pytest.approx(46.4 * 4.2, rel=0.05)
    assert expected_events_per_s(scaled(april, 100)) == pytest.approx(
        100 * expected_events_per_s(april)
    )


def test_a_day_on_the_calendar_gives_the_same_results_as_on_the_heap():
    scenario = load_scenario(SMOKE)
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    on_heap = run_replication(scenario, seed)
    with on_calendar(expected_events_per_s(scenario)):
        on_calendar_day = run_replication(scenario, seed)
    assert on_calendar_day.summary.simulated_requests == on_heap.summary.simulated_requests
    assert on_heap.summary.simulated_requests > 10_000
    assert on_calendar_day.summary.overall == on_heap.summary.overall
    assert on_calendar_day.summary.tiers == on_heap.summary.tiers
    np.testing.assert_array_equal(on_calendar_day.latencies, on_heap.latencies)

"""benchmarks/event_list_growth.py measures SimPy's event list as peakload's model fills it."""

from __future__ import annotations

import pytest

from benchmarks.event_list_growth import (
    event_cost_ns,
    event_list,
    peak_model,
    profile_per_attempt,
    stretch,
    weigh_down,
)
from simulation.records import RunRecords


def test_the_peak_stretch_starts_at_09_35_in_state_with_the_population_scaled():
    model = peak_model(3, 2.0)
    assert (model.start_s, model.end_s) == (9 * 3600 + 35 * 60, 9 * 3600 + 37 * 60)
    assert model.profile.peak == pytest.approx(3 * 13_000, rel=0.01)


def test_the_event_list_grows_with_the_servers_and_an_attempt_s_events_do_not():
    small, large = event_list(1, minutes=1.0), event_list(4, minutes=1.0)
    # At the 1x peak a few dozen events wait: the requests in service and the wake-ups
    # of the bucket handed over (about 20 whatever the population). Four times the
    # servers hold about four times the requests, the wake-ups as many as before.
    assert 10 < small.pending < 100
    assert 1.5 < large.pending / small.pending < 4.0
    # An attempt is a wake-up and a service per tier visited, whatever the population.
    assert 3.5 < small.events_per_attempt < 5.5
    assert large.events_per_attempt == pytest.approx(small.events_per_attempt, rel=0.1)


def test_a_population_grown_alone_thinks_longer_so_its_requests_stay_as_at_1x():
    alone = peak_model(5, 2.0, servers=1)
    assert alone.profile.peak == pytest.approx(5 * 13_000, rel=0.01)
    assert alone.scenario.workload.think_time.mean == pytest.approx(5 * 280.0)
    assert [t.instances for t in alone.scenario.tiers] == [
        t.instances for t in peak_model(1, 2.0).scenario.tiers
    ]


def test_ballast_deepens_the_heap_and_changes_nothing_the_run_does():
    plain, weighed = peak_model(1, 1.0), peak_model(1, 1.0)
    weighed_down = 500
    weigh_down(weighed.env, weighed_down)
    plain.run(), weighed.run()
    assert len(weighed.env._queue) == len(plain.env._queue) + weighed_down
    assert RunRecords.of(weighed).attempts == RunRecords.of(plain).attempts > 500


def test_simpy_s_core_is_timed_per_event_with_the_events_pending():
    assert event_cost_ns(pending=40, events=20_000) > 0


def test_every_factor_above_one_has_a_long_stretch_after_its_short_one():
    for factor in (1, 10, 100, 1000):
        short, long = stretch(factor)
        assert long > short


def test_the_profile_counts_each_function_per_attempt_of_the_long_stretch_alone():
    rows = profile_per_attempt(1, minutes=(1.0, 4.0))

    def calls(file: str, function: str) -> float:
        (found,) = [
            n
            for name, (_, n) in rows.items()
            if name.startswith(f"{file}:") and name.endswith(f":{function}")
        ]
        return found

    # Every attempt is made once and closed once; placing the users in state (the
    # first stretch's alone) is left out, so a user's wake-ups are about one an attempt.
    assert calls("request.py", "__init__") == pytest.approx(1.0, abs=0.01)
    assert calls("request.py", "_close") == pytest.approx(1.0, abs=0.01)
    assert calls("clients.py", "wake") == pytest.approx(1.0, abs=0.05)

"""benchmarks/event_list_growth.py measures SimPy's event list as peakload's model fills it."""

from __future__ import annotations

import pytest

from benchmarks.event_list_growth import event_cost_ns, event_list, peak_model, stretch


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


def test_simpy_s_core_is_timed_per_event_with_the_events_pending():
    assert event_cost_ns(pending=40, events=20_000) > 0


def test_every_factor_above_one_has_a_long_stretch_after_its_short_one():
    for factor in (1, 10, 100, 1000):
        short, long = stretch(factor)
        assert long > short

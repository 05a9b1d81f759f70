"""benchmarks/real_work_levels.py reads the server's own timing off its /metrics, and shows how
a repeated level's CPU per request averages down over longer spans."""

from __future__ import annotations

import numpy as np
import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from benchmarks.real_work_levels import SERVER_TIME, averaging_down, server_means, server_time


def exposition(observed: dict[str, list[float]]) -> str:
    """What the mock's request-timing histogram exposes after ``observed`` (seconds per
    route), as prometheus_client writes it."""
    registry = CollectorRegistry()
    latency = Histogram(SERVER_TIME, "Time to answer", ["route"], registry=registry)
    for route, seconds in observed.items():
        for value in seconds:
            latency.labels(route).observe(value)
    return generate_latest(registry).decode()


def test_a_route_s_mean_is_what_it_served_between_two_readings():
    before = server_time(exposition({"search_budget_codes": [0.010, 0.030]}))
    assert before["search_budget_codes"] == pytest.approx((0.040, 2.0))
    after = server_time(
        exposition({"search_budget_codes": [0.010, 0.030, 0.002, 0.004], "get_payment": [0.005]})
    )
    means = server_means(before, after)
    assert means["search_budget_codes"] == pytest.approx(0.003)  # the two served between
    assert means["get_payment"] == pytest.approx(0.005)  # a route new since the first


def test_a_route_with_nothing_served_between_is_left_out():
    reading = server_time(exposition({"create_payment": [0.004]}))
    assert server_means(reading, reading) == {}
    assert server_time("# nothing exposed\n") == {}


def test_independent_offsets_average_down_as_one_over_the_root_of_the_span():
    offsets = np.random.default_rng(3).normal(1.0, 0.09, 4096)
    rows = averaging_down(offsets)
    assert [span for span, _, _ in rows] == [
        2**k for k in range(11)
    ]  # 1 to 1024: at least three spans each
    for span, measured, independent in rows[:7]:  # each from at least 64 spans' means
        assert measured == pytest.approx(independent, rel=0.25), span


def test_a_slow_drift_keeps_its_spread_over_longer_spans():
    minutes = np.repeat(np.random.default_rng(4).normal(1.0, 0.09, 16), 8)  # 8 levels each
    rows = {
        span: (measured, independent) for span, measured, independent in averaging_down(minutes)
    }
    measured, independent = rows[8]
    assert measured > 2.5 * independent  # the span's mean keeps the drift whole
    assert rows[1][0] == pytest.approx(rows[8][0], rel=0.1)

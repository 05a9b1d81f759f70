"""benchmarks/real_work_levels.py reads the server's own timing off its /metrics."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from benchmarks.real_work_levels import SERVER_TIME, server_means, server_time


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

"""Deferred work against queueing theory: load in the tier's utilization, in no response.

A transaction's deferred work joins its tier after the request was served
(:mod:`simulation.deferred`). On one core shared by processor sharing, Poisson
requests and their deferred work, half a minute later, are a mixed M/M/1-PS
(the departures of an M/M/1 are Poisson, by Burke's theorem, and half a minute
shifts them off the queue that made them): each job's mean response is its
size over ``1 - rho``, ``rho`` counting both. A closed workload's reference is
the mixed network's MVA of :func:`simulation.crosscheck.closed_network`.
"""

from __future__ import annotations

import pytest

from simulation.crosscheck import closed_network, tier_demands
from simulation.runner import simulate
from tests.factories import exponential, station_scenario
from tests.simulation.test_theory import assert_littles_law, assert_matches

pytestmark = [pytest.mark.slow, pytest.mark.compute]  # simulation only: see pyproject's markers


def later(tier: str, mean: float, after_s: float = 30.0) -> dict:
    return {"tier": tier, "after_s": after_s, "demand": exponential(mean)}


def test_deferred_work_on_one_core_slows_requests_as_a_mixed_mm1_ps():
    # Requests 5/s x 0.1 s (rho 0.5) and their deferred 0.04 s (rho 0.2): the core is
    # 0.7 busy; a request's mean response 0.1 / 0.3 = 1/3 s, where without the deferred
    # work it would be 0.2 s; the tier's visits, both kinds, 0.07 / 0.3 on average.
    scenario = station_scenario(
        [{"name": "cpu", "instances": 1, "workers": 1000, "cores": 1}],
        {"cpu": exponential(0.1)},
        rate=5.0,
        end="12:00",
        deferred=[later("cpu", 0.04)],
    )
    summary = simulate(scenario, replications=4, jobs=2).summary
    overall, tier = summary.overall, summary.tiers["cpu"]
    assert_littles_law(summary)
    assert_matches(overall.mean_s, overall.ci95("mean_s"), 0.1 / 0.3, rel=0.03)
    assert tier.utilization == pytest.approx(0.7, rel=0.01)
    assert tier.throughput_rps == pytest.approx(2 * overall.throughput_rps, rel=0.01)
    assert tier.mean_response_s == pytest.approx(0.07 / 0.3, rel=0.03)


def test_a_closed_network_with_deferred_work_matches_the_mixed_mva():
    # Where the mixed network has a product form, MVA's slowed servers are exact: one
    # core shared by processor sharing (any demands), and a FIFO server whose classes
    # have one mean (BCMP): the db's deferred work is as long as a request's visit.
    users, think = 20, 2.0
    tiers = [
        {"name": "app", "instances": 1, "workers": 8, "cores": 1},
        {"name": "db", "instances": 1, "workers": 1},
    ]
    scenario = station_scenario(
        tiers,
        {"app": exponential(0.06), "db": exponential(0.02)},
        users=users,
        think=exponential(think),
        end="06:00",
        deferred=[later("app", 0.03), later("db", 0.02, after_s=5.0)],
    )
    summary = simulate(scenario, replications=4, jobs=2).summary
    network = closed_network(scenario, tier_demands(scenario, {"job": 1.0}), users, think)
    theory = network.result
    overall = summary.overall
    assert_littles_law(summary)
    assert overall.throughput_rps == pytest.approx(theory.throughput, rel=0.02)
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory.response_s, rel=0.05)
    x = theory.throughput
    assert network.deferred_share == pytest.approx([x * 0.03, x * 0.02], rel=1e-6)
    app, db = summary.tiers["app"], summary.tiers["db"]
    assert app.utilization == pytest.approx(x * 0.09, rel=0.03)
    assert db.utilization == pytest.approx(x * 0.04, rel=0.03)
    # the printed cross-check says how it treats the deferred work and agrees with the run
    check = summary.analytic
    assert "deferred work" in check["method"]
    for name in ("app", "db"):
        figures = check["tiers"][name]
        for metric in ("utilization", "mean_response_s"):
            pair = figures[metric]
            assert pair["simulated"] == pytest.approx(pair["analytic"], rel=0.06), (name, metric)

"""The cross-check's tier demands: the requests' path and the deferred work apart."""

import pytest

from simulation.crosscheck import closed_network, tier_demands
from simulation.mva import MvaStation, mva
from tests.factories import exponential, station_scenario


def scenario_with_deferred():
    return station_scenario(
        [{"name": "app", "instances": 1, "workers": 8, "cores": 1}],
        {"app": exponential(0.06)},
        users=20,
        think=exponential(2.0),
        deferred=[
            {"tier": "app", "after_s": 5.0, "demand": exponential(0.01)},
            {"tier": "app", "after_s": 35.0, "demand": {"dist": "deterministic", "value": 0.02}},
        ],
    )


def test_a_tiers_demand_keeps_the_deferred_work_off_the_requests_path():
    (app,) = tier_demands(scenario_with_deferred(), {"job": 10.0}).values()
    assert app.per_request_s == pytest.approx(0.06)
    assert app.deferred is not None
    assert app.deferred.visits_per_request == pytest.approx(2.0)  # two pieces per request
    assert app.deferred.mean_s == pytest.approx(0.015)
    assert app.busy_per_request_s == pytest.approx(0.09)
    every = app.all_visits()  # 1 request visit of mean 0.06, scv 1; 2 deferred of 0.015
    assert every.visits_per_request == pytest.approx(3.0)
    assert every.mean_s == pytest.approx(0.03)
    second = (2 * 0.06**2 + 2 * 0.01**2 + 0.02**2) / 3  # exponential: 2 m^2; fixed: m^2
    assert every.scv == pytest.approx(second / 0.03**2 - 1)


def test_without_deferred_work_all_visits_are_the_requests():
    scenario = station_scenario(
        [{"name": "db", "instances": 1, "workers": 1}], {"db": exponential(0.02)}, rate=5
    )
    (db,) = tier_demands(scenario, {"job": 1.0}).values()
    assert db.deferred is None and db.all_visits() is db
    assert db.busy_per_request_s == db.per_request_s == pytest.approx(0.02)


def test_the_mixed_network_slows_the_requests_by_the_deferred_share():
    scenario = scenario_with_deferred()
    network = closed_network(scenario, tier_demands(scenario, {"job": 1.0}), 20, 2.0)
    x = network.result.throughput
    (share,) = network.deferred_share
    assert share == pytest.approx(x * 0.03, rel=1e-6)  # the fixed point holds
    # the requests' network is MVA's with the request's 0.06 s on a core slowed to 1 - share
    alone = mva([0.06 / (1 - share)], 20, 2.0, [1], [MvaStation.LOAD_DEPENDENT])
    assert network.result.throughput == pytest.approx(alone.throughput, rel=1e-9)
    assert network.result.response_s == pytest.approx(alone.response_s, rel=1e-9)
    assert network.result.response_s > 0.06 / (1 - share)  # queueing on top

"""A delay tier adds exactly its demand to each request and never queues.

Every transaction's demand at a tier is drawn from its own named stream, so a
delay tier listed last leaves everything before it as it was: the same seed
with and without it sends the same requests through the same queues, and each
response grows by exactly that request's delay.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from peakload.core.scenario_file import ScenarioError, scenario_from_dict
from simulation.model import Model
from simulation.runner import simulate
from tests.factories import exponential, station_scenario
from tests.simulation.kept import Kept, run_kept

QUEUE = {"name": "cpu", "instances": 1, "workers": 1}
DELAY = {"name": "network", "kind": "delay"}


def _responses_by_start(records: Kept) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(records.start, kind="stable")
    return records.start[order], records.response[order]


def test_each_response_grows_by_exactly_its_own_delay():
    common = {"rate": 5.0, "end": "02:00"}
    without = station_scenario([QUEUE], {"cpu": exponential(0.1)}, **common)
    with_delay = station_scenario(
        [QUEUE, DELAY], {"cpu": exponential(0.1), "network": exponential(0.05)}, **common
    )
    seed = np.random.SeedSequence(7)
    plain = run_kept(Model(without, seed))
    delayed = run_kept(Model(with_delay, seed))
    start_a, response_a = _responses_by_start(plain)
    start_b, response_b = _responses_by_start(delayed)
    # Requests still at the delay when the run ends have no response yet: compare the rest.
    n = len(start_b)
    assert n > 30_000
    assert np.array_equal(start_a[:n], start_b)
    added = response_b - response_a[:n]
    # Each request reaches the delay when it leaves the cpu: the k-th to leave the cpu
    # is the k-th visit of the delay, whose demand is what its response gained.
    network = delayed.tiers["network"]
    leaving = start_a[:n] + response_a[:n]
    order = np.argsort(leaving, kind="stable")
    assert np.allclose(network.arrivals[:n], leaving[order])
    assert np.allclose(added[order], network.services[:n], rtol=0, atol=1e-9)
    assert added.mean() == pytest.approx(0.05, rel=0.02)  # and that is its mean demand


def test_a_delay_never_queues_has_no_utilization_and_keeps_littles_law():
    scenario = station_scenario(
        [QUEUE, DELAY],
        {"cpu": exponential(0.1), "network": exponential(0.05)},
        rate=5.0,
        end="03:00",
        window=["00:10", "03:00"],
    )
    summary = simulate(scenario, replications=2, jobs=1).summary
    tier = summary.tiers["network"]
    assert tier.servers == 0
    assert math.isnan(tier.utilization)
    assert tier.mean_wait_s == 0 and tier.max_queue == 0 and tier.refusals == 0
    # Its mean response is its mean demand (50 ms; standard error ~0.2 ms per replication).
    assert tier.mean_response_s == pytest.approx(0.05, rel=0.02)
    # Little's law at the delay: mean present (sampled each second) = rate x mean time.
    assert tier.mean_in_tier == pytest.approx(tier.littles_law_lw, rel=0.03)
    # The response is the M/M/1's plus the delay: 0.1 / (1 - 0.5) + 0.05 = 0.25 s.
    assert summary.overall.mean_s == pytest.approx(0.25, rel=0.05)
    analytic = summary.analytic["tiers"]["network"]
    assert "utilization" not in analytic
    assert analytic["mean_response_s"]["analytic"] == pytest.approx(0.05)


def test_a_delay_cannot_fail():
    scenario = {
        "scenario": {"name": "x", "start": "00:00", "end": "01:00"},
        "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
        "transactions": [{"name": "job", "demand": {"network": exponential(0.05)}}],
        "tiers": [DELAY],
        "failures": [{"tier": "network", "start": "00:10", "end": "00:20"}],
    }
    with pytest.raises((ScenarioError, ValueError), match="delay"):
        scenario_from_dict(scenario)

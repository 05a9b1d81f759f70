"""Tiers sharing cores and delay tiers against queueing theory.

As in test_theory.py: seeded replications, the warm-up removed by MSER-5, the
replication mean compared with the closed form, and the run's own 95 %
half-width required under the tolerance, so a vague run cannot pass. The
references (:mod:`simulation.analytic`):

- one core, a pool larger than anyone present: M/M/1-PS, whose mean response
  S / (1 - rho) is M/M/1's, for any demand distribution (PS is insensitive), and
  whose variance (2 + rho) / ((2 - rho)(1 - rho)^2 mu^2) is not FCFS's;
- cores = 2, workers = 8 or 3: the birth-death chain of
  :func:`~simulation.analytic.shared_pool_station` (an M/M/2 in its means);
- a closed network with a shared tier and a delay: exact load-dependent MVA.

Half-widths seen at seed 1 (four replications of 12 simulated hours): 0.9-1.2 %
on the means, 0.6-0.9 % on the chain's utilization and occupancy.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.analytic import mgc_station, shared_pool_station
from simulation.mva import MvaStation, mva
from simulation.runner import replication_seeds, run_replication, simulate
from tests.factories import exponential, station_scenario
from tests.simulation.test_theory import assert_littles_law, assert_matches

pytestmark = [pytest.mark.slow, pytest.mark.compute]  # simulation only: see pyproject's markers


def pool(instances: int, workers: int, cores: int) -> dict:
    return {"name": "cpu", "instances": instances, "workers": workers, "cores": cores}


def run_open(tiers, demand, rate, replications=4, end="12:00"):
    scenario = station_scenario(tiers, demand, rate=rate, end=end, seed=1)
    summary = simulate(scenario, replications=replications, jobs=2).summary
    assert summary.warmup.method == "MSER-5"
    assert_littles_law(summary)
    return summary


def test_one_core_shared_by_many_workers_is_mm1_in_the_mean():
    # rho = 7 x 0.1 = 0.7: R = S / (1 - rho) = 1/3 s, as M/M/1.
    summary = run_open([pool(1, 1000, 1)], {"cpu": exponential(0.1)}, rate=7.0)
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), 0.1 / (1 - 0.7), rel=0.03)
    tier = summary.tiers["cpu"]
    assert tier.utilization == pytest.approx(0.7, rel=0.01)  # CPU busy over one core
    assert tier.mean_wait_s == 0  # a worker is always free: nobody waits for one


def test_a_background_on_one_core_is_mm1_with_the_core_slowed():
    # background b = 0.2: requests get 0.8 of the core, so S = 0.1 s of CPU is 0.125 s of
    # service; at 5 req/s rho = 0.625 and R = 0.125 / (1 - 0.625) = 1/3 s, while the
    # core is b + X S = 0.2 + 0.5 = 0.7 busy, as the operating system would report it.
    tier = {**pool(1, 1000, 1), "background": 0.2}
    summary = run_open([tier], {"cpu": exponential(0.1)}, rate=5.0)
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), 0.125 / (1 - 0.625), rel=0.03)
    assert summary.tiers["cpu"].utilization == pytest.approx(0.7, rel=0.01)


def test_processor_sharing_is_insensitive_to_the_demand_distribution():
    # Deterministic 0.1 s demands at rho = 0.7: PS gives S / (1 - rho) = 0.333 s as for
    # exponential ones; FCFS (M/D/1) would give S + rho S / (2 (1 - rho)) = 0.217 s.
    summary = run_open(
        [pool(1, 1000, 1)], {"cpu": {"dist": "deterministic", "value": 0.1}}, rate=7.0
    )
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), 0.1 / (1 - 0.7), rel=0.03)


def test_one_core_response_variance_is_processor_sharings_not_fcfs():
    # M/M/1-PS at rho = 0.5, mu = 10: Var = (2 + rho) / ((2 - rho) (1 - rho)^2 mu^2)
    # = 0.0667 s^2; FCFS would give 1 / ((1 - rho)^2 mu^2) = 0.04 s^2.
    rho, mu = 0.5, 10.0
    theory = (2 + rho) / ((2 - rho) * (1 - rho) ** 2 * mu**2)
    scenario = station_scenario(
        [pool(1, 1000, 1)], {"cpu": exponential(1 / mu)}, rate=rho * mu, end="12:00", seed=1
    )
    variances = [
        float(np.var(run_replication(scenario, seed, series=False).latencies.astype(float)))
        for seed in replication_seeds(1, 4)
    ]
    half = 3.182 * np.std(variances, ddof=1) / 2  # t(0.975, 3) s / sqrt(4)
    assert_matches(float(np.mean(variances)), half, theory, rel=0.05)


@pytest.mark.parametrize("workers", [8, 3])
def test_two_cores_and_a_pool_match_the_birth_death_chain(workers):
    # 2 cores, S = 0.2 s, 8 requests/s: rho = 0.8. With 8 workers hardly anyone waits
    # for one; with 3 a third of the response is waiting for a worker. The mean
    # response is M/M/2's either way (exponential demands).
    rate, demand = 8.0, 0.2
    chain = shared_pool_station(rate, demand, 1, workers, 2)
    assert chain.mean_response_s == pytest.approx(mgc_station(rate, demand, 2).mean_response_s)
    summary = run_open([pool(1, workers, 2)], {"cpu": exponential(demand)}, rate=rate)
    overall, tier = summary.overall, summary.tiers["cpu"]
    assert_matches(overall.mean_s, overall.ci95("mean_s"), chain.mean_response_s, rel=0.05)
    assert tier.utilization == pytest.approx(chain.utilization, rel=0.02)
    assert tier.pool_occupancy == pytest.approx(chain.pool_occupancy, rel=0.03)
    assert tier.mean_wait_s == pytest.approx(chain.mean_wait_s, rel=0.10)
    # The cross-check printed beside the run is the same chain, at the carried rate.
    analytic = summary.analytic["tiers"]["cpu"]
    assert analytic["mean_response_s"]["analytic"] == pytest.approx(chain.mean_response_s, rel=0.02)


def test_instances_are_separate_machines_between_pooled_and_random_split():
    # Two one-core machines at rho = 0.7 (S = 0.2 s, 7/s). One pooled PS of two cores
    # (M/M/2: 0.392 s) is the best a balancer could do; sending each request to a
    # machine at random, two M/M/1s (0.667 s), the worst sensible. Least-busy
    # assignment without migration lies between, near the pooled figure.
    summary = run_open([pool(2, 4, 1)], {"cpu": exponential(0.2)}, rate=7.0)
    mean = summary.overall.mean_s
    assert mgc_station(7.0, 0.2, 2).mean_response_s * 1.02 < mean < 0.2 / (1 - 0.7) * 0.8


def test_closed_network_with_shared_cores_and_a_delay_matches_exact_mva():
    users, think = 40, 2.0
    tiers = [
        {"name": "network", "kind": "delay"},
        {"name": "app", "instances": 1, "workers": 4, "cores": 2},
        {"name": "db", "instances": 1, "workers": 1},
    ]
    demands = {"network": 0.05, "app": 0.08, "db": 0.03}
    scenario = station_scenario(
        tiers,
        {name: exponential(d) for name, d in demands.items()},
        users=users,
        think=exponential(think),
        end="06:00",
    )
    summary = simulate(scenario, replications=4, jobs=2).summary
    theory = mva(
        list(demands.values()),
        users,
        think,
        [1, 2, 1],
        [MvaStation.DELAY, MvaStation.LOAD_DEPENDENT, MvaStation.QUEUE],
    )
    overall = summary.overall
    assert summary.warmup.method == "MSER-5"
    assert_littles_law(summary)
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory.response_s, rel=0.05)
    assert overall.throughput_rps == pytest.approx(theory.throughput, rel=0.02)
    assert summary.tiers["app"].mean_response_s == pytest.approx(
        theory.station_response_s[1], rel=0.05
    )
    assert summary.tiers["network"].mean_response_s == pytest.approx(0.05, rel=0.02)

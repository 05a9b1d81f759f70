"""The simulator's tiers sharing cores and delay tiers beside their queueing references.

Prints, for the checks of tests/simulation/test_theory_shared.py (same
scenarios, same seed), the simulated mean response with its 95 % half-width,
the reference, and the relative error:

- one core shared by a large pool, exponential demands: M/M/1's S / (1 - rho);
- the same with deterministic demands: S / (1 - rho) again (PS is insensitive);
- two cores, a pool of 8 and of 3 workers: the pool's birth-death chain
  (:func:`simulation.analytic.shared_pool_station`);
- a closed network of a delay, a pool on two cores and a database: exact
  load-dependent MVA (:func:`simulation.analytic.mva`).

Usage: python -m benchmarks.tier_kinds_theory [--replications N] [--hours H]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from peakload.core.clock import format_clock
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import scenario_from_dict
from simulation.analytic import MvaStation, mva, shared_pool_station
from simulation.runner import simulate


def pool(workers: int, cores: int) -> dict[str, Any]:
    return {"name": "cpu", "instances": 1, "workers": workers, "cores": cores}


def exponential(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


def station_scenario(
    tiers: list[dict[str, Any]],
    demand: dict[str, Any],
    *,
    rate: float | None = None,
    users: int | None = None,
    think: dict[str, Any] | None = None,
    end: str,
    seed: int = 1,
) -> Scenario:
    """One transaction through ``tiers``, open at ``rate`` or closed with ``users``,
    steady, no window (MSER-5 drops the warm-up), as the theory tests build them."""
    if rate is not None:
        workload: dict[str, Any] = {"kind": "open", "rate": [["00:00", rate]]}
    else:
        workload = {"kind": "closed", "concurrency": [["00:00", users]], "think_time": think}
    return scenario_from_dict(
        {
            "scenario": {"name": "theory", "seed": seed, "start": "00:00", "end": end},
            "workload": {**workload, "timeout_s": 1e6, "retries": 0},
            "transactions": [{"name": "job", "weight": 1, "demand": demand}],
            "tiers": tiers,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--hours", type=float, default=12.0)
    args = parser.parse_args()
    end = format_clock(args.hours * 3600)
    deterministic = {"dist": "deterministic", "value": 0.1}
    cases = [
        ("1 core, 1000 workers, exp.", [pool(1000, 1)], {"cpu": exponential(0.1)}, 7.0, 1 / 3),
        ("1 core, 1000 workers, det.", [pool(1000, 1)], {"cpu": deterministic}, 7.0, 1 / 3),
        *(
            (
                f"2 cores, {w} workers, exp.",
                [pool(w, 2)],
                {"cpu": exponential(0.2)},
                8.0,
                shared_pool_station(8.0, 0.2, 1, w, 2).mean_response_s,
            )
            for w in (8, 3)
        ),
    ]
    print(f"{'check':34} {'simulated s':>20} {'reference s':>12} {'error':>8} {'wall':>7}")
    for label, tiers, demand, rate, reference in cases:
        started = time.perf_counter()
        scenario = station_scenario(tiers, demand, rate=rate, end=end, seed=1)
        summary = simulate(scenario, replications=args.replications, jobs=2).summary
        _row(label, summary.overall.mean_s, summary.overall.ci95("mean_s"), reference, started)

    started = time.perf_counter()
    demands = {"network": 0.05, "app": 0.08, "db": 0.03}
    tiers = [
        {"name": "network", "kind": "delay"},
        {"name": "app", "instances": 1, "workers": 4, "cores": 2},
        {"name": "db", "instances": 1, "workers": 1},
    ]
    scenario = station_scenario(
        tiers,
        {name: exponential(d) for name, d in demands.items()},
        users=40,
        think=exponential(2.0),
        end="06:00",
    )
    summary = simulate(scenario, replications=args.replications, jobs=2).summary
    kinds = [MvaStation.DELAY, MvaStation.LOAD_DEPENDENT, MvaStation.QUEUE]
    theory = mva(list(demands.values()), 40, 2.0, [1, 2, 1], kinds)
    overall = summary.overall
    _row(
        "closed, delay + 2 cores + db",
        overall.mean_s,
        overall.ci95("mean_s"),
        theory.response_s,
        started,
    )
    network = summary.tiers["network"]
    _row(
        "  its delay tier's response",
        network.mean_response_s,
        network.ci95("mean_response_s"),
        0.05,
        started,
    )


def _row(label: str, mean: float, half: float, reference: float, started: float) -> None:
    error = mean / reference - 1
    wall = time.perf_counter() - started
    print(f"{label:34} {mean:10.4f} ± {half:7.4f} {reference:12.4f} {error:+8.2%} {wall:6.1f}s")


if __name__ == "__main__":
    main()

"""How the simulator's cost grows with the population: April at 1x, 10x (and 100x).

A capacity planner asked "and at ten times the users?" runs the same day with
the population and the hardware scaled together. The work, requests served,
then grows by the factor; a simulator whose cost grows no faster than the work
takes about the factor in time and holds memory that does not grow with the
requests. This script measures both, one replication per factor, each in a
fresh child process on one core, so peak memory is that run's alone:

- the scenario's concurrency profile multiplied by the factor (open workloads:
  the arrival rate), every queue tier's instances multiplied by it;
- the child runs one replication of the whole day without its per-minute series
  and reports wall time, CPU time, requests and its peak resident memory
  (``ru_maxrss``).

It prints per factor: requests, wall and CPU seconds, peak memory, and the
ratios against 1x.

**One pair says little.** This machine's speed drifts by more than the effect
being measured: on a quiet machine, 1x took 6.7 to 12.5 CPU seconds and 10x 72
to 129 within two hours, and single pairs gave ratios from 8.8 to 14.2. With
``--rounds N`` the factors run N times, alternating (1x, 10x, 1x, 10x, ...), so
a drift falls on every factor alike, and the table gives each factor's median
with the ratios of the medians, and each round's own ratio beside.

The issue's targets: time ratios at most 11x and 110x, peak memory at 10x at
most 2x that of 1x, 100x under 4 GB. 100x is opt-in (``--factors 1 10 100``):
it took 141 times the 1x CPU (24 minutes). Memory no longer holds a row per
request (the simulator streams them into per-minute aggregates, issue 24):
what still grows with the factor is the users and their pending events, and
the tiers' servers.

Usage: python -m benchmarks.scale [--scenario FILE] [--factors 1 10] [--cpu N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from peakload.core.scenario import Scenario, TierKind
from peakload.core.scenario_file import load_scenario
from peakload.core.workload import ClosedWorkload

ROOT = Path(__file__).resolve().parents[1]
APRIL = ROOT / "scenarios" / "kbnn-2020-04-peak.toml"


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """The same day with ``factor`` times the users (or arrivals) and the queue tiers'
    instances: each instance's load, so its utilization, stays as it was."""
    workload = scenario.workload
    if isinstance(workload, ClosedWorkload):
        profile = [(clock, users * factor) for clock, users in workload.concurrency]
        workload = workload.model_copy(update={"concurrency": profile})
    else:
        profile = [(clock, rate * factor) for clock, rate in workload.rate]
        workload = workload.model_copy(update={"rate": profile})
    tiers = [
        t if t.kind is TierKind.DELAY else t.model_copy(update={"instances": t.instances * factor})
        for t in scenario.tiers
    ]
    return scenario.model_copy(update={"workload": workload, "tiers": tiers})


def run_child(scenario_path: Path, factor: int) -> dict[str, Any]:
    """One replication at ``factor`` in this process; its figures as a dict."""
    from simulation.runner import replication_seeds, run_replication

    scenario = scaled(load_scenario(scenario_path), factor)
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    started, cpu = time.perf_counter(), time.process_time()
    summary = run_replication(scenario, seed, series=False).summary
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "factor": factor,
        "requests": int(summary.simulated_requests or 0),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mb": peak_kib / 1024,
    }


def measure(scenario_path: Path, factor: int, cpu: int | None) -> dict[str, Any]:
    """Run one factor in a fresh child process (pinned to ``cpu`` when given)."""
    args = ("--child", str(factor), "--scenario", str(scenario_path))
    return in_fresh_process("benchmarks.scale", *args, cpu=cpu)


def in_fresh_process(module: str, *args: str, cpu: int | None = None) -> Any:
    """What ``python -m module args`` prints as JSON on its last line, run in a fresh
    process (pinned to ``cpu`` when given), so that no measurement inherits another's
    heap; exits with the child's last error line if it fails."""
    command = [sys.executable, "-m", module, *args]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"{module} {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=APRIL)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--cpu", type=int, default=None, help="pin the children to this core")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run the factors this many times, alternating"
    )
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_child(args.scenario, args.child)))
        return
    load_before = os.getloadavg()[0]
    rounds = [
        [measure(args.scenario, factor, args.cpu) for factor in args.factors]
        for _ in range(max(1, args.rounds))
    ]
    rows = [median_row([r[i] for r in rounds]) for i in range(len(args.factors))]
    base = rows[0]
    runs = (
        "one replication per factor"
        if len(rounds) == 1
        else (f"medians of {len(rounds)} rounds, factors alternating")
    )
    print(
        f"scenario {args.scenario.name}, {runs}, load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(
        f"{'factor':>6} {'requests':>11} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}"
        f" {'CPU ratio':>9} {'memory ratio':>12} {'bytes/request':>13}"
    )
    for row in rows:
        print(
            f"{row['factor']:>5}x {row['requests']:>11,} {row['wall_s']:>8.1f}"
            f" {row['cpu_s']:>8.1f} {row['peak_mb']:>8.0f}"
            f" {row['cpu_s'] / base['cpu_s']:>9.2f} {row['peak_mb'] / base['peak_mb']:>12.2f}"
            f" {np.float64(row['peak_mb']) * 2**20 / max(row['requests'], 1):>13.0f}"
        )
    if len(rounds) > 1:
        for number, each in enumerate(rounds, start=1):
            ratios = ", ".join(
                f"{row['factor']}x {row['cpu_s'] / each[0]['cpu_s']:.2f}" for row in each[1:]
            )
            cpu = ", ".join(f"{row['cpu_s']:.1f}" for row in each)
            print(f"round {number}: CPU s {cpu}; CPU ratios {ratios}")


def median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One factor's runs as one row: the median of each figure (the requests are the
    same in every run: a fixed seed)."""
    return {
        key: runs[0][key]
        if key in ("factor", "requests")
        else float(np.median([run[key] for run in runs]))
        for key in runs[0]
    }


if __name__ == "__main__":
    main()

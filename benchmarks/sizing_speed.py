"""How long `peakload size` takes, in replications of the scenario it sizes.

Measures, in one run on this machine:

1. one replication of the scenario's whole day, in this process (the unit);
2. the sizing of the same scenario through the app's ``size`` job, with its
   default flags (all local cores);

and prints both wall times, their ratio, the answer (instances x workers per
tier, cost, N-1) and the replications the search spent, candidate by
candidate. The issue's target for the nationwide question: a ratio of at most 8.
On a machine shared with other work the wall ratio moves with the others' load;
the CPU-seconds of both (the sizing's summed over its worker processes) are
printed too, as a figure the neighbours do not move.

Usage: python -m benchmarks.sizing_speed [--scenario FILE] [--jobs N] [--full-day]
(``--full-day``: candidates run from the scenario's start, not warm-up + window.)
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from peakload.app.size.job import SizeOptions, size
from peakload.core.scenario_file import load_scenario
from simulation.runner import replication_seeds, run_replication

ROOT = Path(__file__).resolve().parents[1]
NATIONWIDE = ROOT / "scenarios" / "nationwide-2020-12.toml"


def _cpu_s() -> float:
    """CPU-seconds of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_replication_s(scenario_path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one whole-day replication (the first seed), in this process."""
    scenario = load_scenario(scenario_path)
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    started, cpu = time.perf_counter(), _cpu_s()
    run_replication(scenario, seed, series=False)
    return time.perf_counter() - started, _cpu_s() - cpu


def sizing(
    scenario_path: Path, jobs: int | None, short_day: bool
) -> tuple[float, float, dict[str, Any]]:
    """Wall and CPU seconds of the whole ``size`` job (its worker processes ended, so
    counted), and its sizing.json document."""
    with tempfile.TemporaryDirectory() as out:
        started, cpu = time.perf_counter(), _cpu_s()
        done = size(
            SizeOptions(scenario_path, jobs=jobs, out=out, plots=False, short_day=short_day)
        )
        return time.perf_counter() - started, _cpu_s() - cpu, done.document.to_dict()


def measure(scenario_path: Path, jobs: int | None = None, short_day: bool = True) -> dict[str, Any]:
    """The figures this script prints: both times, the ratios and the answer."""
    unit, unit_cpu = one_replication_s(scenario_path)
    wall, cpu, document = sizing(scenario_path, jobs, short_day)
    return {
        "replication_s": unit,
        "sizing_s": wall,
        "ratio": wall / unit,
        "replication_cpu_s": unit_cpu,
        "sizing_cpu_s": cpu,
        "cpu_ratio": cpu / unit_cpu,
        "document": document,
    }


def answer(document: dict[str, Any]) -> str:
    """The sizing's answer on one line: instances x workers per tier, cost, N-1."""
    tiers = ", ".join(
        f"{name} {t['instances']} x {t['workers']}" for name, t in document["recommended"].items()
    )
    n1 = document["n1"]
    holds = "holds" if n1 and all(r["pass"] for r in n1.values()) else "FAILS or unchecked"
    return f"{tiers}; cost {document['cost']['recommended']:g}; N-1 {holds}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=NATIONWIDE)
    parser.add_argument("--jobs", type=int, default=None, help="local processes (default: all)")
    parser.add_argument("--full-day", action="store_true", help="candidates run the whole day")
    args = parser.parse_args()
    figures = measure(args.scenario, args.jobs, short_day=not args.full_day)
    document = figures["document"]
    search = document["search"]
    print(f"scenario          {args.scenario.name}")
    print(f"one replication   {figures['replication_s']:.1f} s (whole day, one process)")
    print(
        f"sizing            {figures['sizing_s']:.1f} s ({search['evaluated']} candidates "
        f"simulated, {search['replications_run']} replications, {search['executor']}, "
        f"short day {search['short_day']})"
    )
    print(f"ratio             {figures['ratio']:.2f} replications' time (wall)")
    print(
        f"CPU               {figures['sizing_cpu_s']:.1f} s over {figures['replication_cpu_s']:.1f}"
        f" s: {figures['cpu_ratio']:.2f} replications' CPU (wall on idle cores: about that"
        " over the processes)"
    )
    print(f"answer            {answer(document)}")
    for c in document["candidates"]:
        sizes = " ".join(f"{t}={n}" for t, n in c["instances"].items())
        lost = f" N-1 {c['n1_lost']}" if c["n1_lost"] else ""
        grown = f" x{c['growth']:.3g}" if c["growth"] != 1.0 else ""
        p95 = f" p95 {c['p95_s']:.4f} ± {c['p95_s_ci95']:.4f};" if c["p95_s"] is not None else ""
        print(
            f"  {sizes}{lost}{grown}:{p95} {c['replications']} rep(s), {c['stopped']}: {c['why']}"
        )


if __name__ == "__main__":
    main()

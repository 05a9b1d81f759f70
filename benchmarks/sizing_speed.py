"""How long `peakload size` takes, in replications of the scenario it sizes.

Measures, in one run on this machine:

1. one replication of the scenario's whole day, in this process (the unit);
2. the sizing of the same scenario through the app's ``size`` job, with its
   default flags (all local cores);

and prints both wall times, their ratio, the answer (instances x workers per
tier, cost, N-1) and the replications the search spent, candidate by
candidate. The issue's target for the nationwide question: a ratio of at most 8.

Usage: python -m benchmarks.sizing_speed [--scenario FILE] [--jobs N] [--full-day]
(``--full-day``: candidates run from the scenario's start, not warm-up + window.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from peakload.app.size import SizeOptions, size
from peakload.core.scenario_file import load_scenario
from simulation.runner import replication_seeds, run_replication

ROOT = Path(__file__).resolve().parents[1]
NATIONWIDE = ROOT / "scenarios" / "nationwide-2020-12.toml"


def one_replication_s(scenario_path: Path) -> float:
    """Wall seconds of one whole-day replication (the first seed), in this process."""
    scenario = load_scenario(scenario_path)
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    started = time.perf_counter()
    run_replication(scenario, seed, series=False)
    return time.perf_counter() - started


def sizing(scenario_path: Path, jobs: int | None, short_day: bool) -> tuple[float, dict[str, Any]]:
    """Wall seconds of the whole ``size`` job, and its sizing.json document."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        done = size(
            SizeOptions(scenario_path, jobs=jobs, out=out, plots=False, short_day=short_day)
        )
        return time.perf_counter() - started, done.document


def measure(scenario_path: Path, jobs: int | None = None, short_day: bool = True) -> dict[str, Any]:
    """The figures this script prints: both times, the ratio and the answer."""
    unit = one_replication_s(scenario_path)
    wall, document = sizing(scenario_path, jobs, short_day)
    return {"replication_s": unit, "sizing_s": wall, "ratio": wall / unit, "document": document}


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
    print(f"ratio             {figures['ratio']:.2f} replications' time")
    print(f"answer            {answer(document)}")
    for c in document["candidates"]:
        sizes = " ".join(f"{t}={n}" for t, n in c["instances"].items())
        lost = f" N-1 {c['n1_lost']}" if c["n1_lost"] else ""
        grown = f" x{c['growth']:.3g}" if c["growth"] != 1.0 else ""
        print(f"  {sizes}{lost}{grown}: {c['replications']} rep(s), {c['stopped']}: {c['why']}")


if __name__ == "__main__":
    main()

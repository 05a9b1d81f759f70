"""How far the log-bucket sketch's percentiles are from today's exact ones, on April.

Simulates one fixed-seed replication of the April scenario, takes the window's
response times (every attempt, as the summary does), and prints p50, p95 and
p99 computed both ways: exactly, as :func:`peakload.measure.stats.percentiles`
does (numpy, linear interpolation), and from a :class:`~peakload.measure.sketch
.LogHistogram` of the same values (added in minute-sized batches, as a run would
add them), with the relative differences, the sketch's bucket count and the
bytes each way keeps. The switch's condition: p95 and p99 within 0.5 %.

Usage: python -m benchmarks.sketch_accuracy [--scenario FILE] [--alpha A]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from peakload.core.scenario_file import load_scenario
from peakload.measure.sketch import DEFAULT_ALPHA, LogHistogram
from peakload.measure.stats import PERCENTILES
from simulation.runner import replication_seeds, run_replication

ROOT = Path(__file__).resolve().parents[1]
APRIL = ROOT / "scenarios" / "kbnn-2020-04-peak.toml"
BATCH = 2_000  # values per add(): about a simulated minute of April's peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=APRIL)
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    latencies = run_replication(scenario, seed, series=False).latencies
    latencies = latencies.astype(float)  # the window's (a uniform sample past 200,000)
    exact = {"mean_s": float(latencies.mean())} | {
        name: float(np.percentile(latencies, q)) for name, q in PERCENTILES.items()
    }
    sketch = LogHistogram(args.alpha)
    for start in range(0, len(latencies), BATCH):
        sketch.add(latencies[start : start + BATCH])
    print(f"{args.scenario.name}: {len(latencies):,} window response times, alpha {args.alpha}")
    errors = {}
    for name, q in (("p50_s", 0.50), ("p95_s", 0.95), ("p99_s", 0.99)):
        got = sketch.quantile(q)
        errors[name] = got / exact[name] - 1
        print(f"  {name}  exact {exact[name]:.5f}  sketch {got:.5f}  ({errors[name]:+.3%})")
    print(f"  mean  exact {exact['mean_s']:.5f}  sketch {sketch.mean:.5f} (kept exactly)")
    print(
        f"  memory: {latencies.nbytes:,} bytes of samples against "
        f"{sketch.counts.nbytes:,} bytes of {sketch.counts.size} buckets"
    )
    within = abs(errors["p95_s"]) <= 0.005 and abs(errors["p99_s"]) <= 0.005
    print(f"  p95 and p99 within 0.5 %: {'yes' if within else 'NO'}")
    if not np.isfinite(sketch.mean):
        raise SystemExit("no response time in the window")


if __name__ == "__main__":
    main()

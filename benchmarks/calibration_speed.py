"""Calibration speed: 30 minutes of one-second samples, 12 transactions, 4 tiers.

For each of ``--truths`` seeded truths (per-transaction factors between 0.5
and 2.5 on the model's demands, from a seeded ``numpy.random.Generator``),
builds 1,800 one-second windows with the transactions and tiers of
``scenarios/ci-smoke.toml`` (12 and 4): completions Poisson around a load and
a mix that change every minute, busy time the exact sum of the demands'
exponential service times. Then times what ``peakload calibrate`` does with
windows: the NNLS fit of every tier, the bootstrap (200 replicates by
default) and the identifiability test; and prints the largest relative error
of the estimates and the share of true demands inside their 95 % intervals.

Usage: python benchmarks/calibration_speed.py [--minutes M] [--replicates N] [--repeat R]
       [--truths T]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from peakload.core.scenario_file import load_scenario
from peakload.measure.calibration.estimate import estimate
from peakload.measure.calibration.windows import Windows

ROOT = Path(__file__).resolve().parents[1]


def synthetic(model, seconds: int, rng: np.random.Generator) -> tuple[Windows, np.ndarray]:
    names = [t.name for t in model.transactions]
    tiers = [t.name for t in model.tiers]
    truth = np.array(
        [
            [float(t.demand[k].mean) if k in t.demand else 0.0 for k in tiers]
            for t in model.transactions
        ]
    ) * rng.uniform(0.5, 2.5, (len(names), 1))
    minutes = (seconds + 59) // 60
    mix = np.repeat(rng.dirichlet(np.full(len(names), 2.0), size=minutes), 60, axis=0)[:seconds]
    load = np.repeat(rng.uniform(10, 40, minutes), 60)[:seconds]
    completions = rng.poisson(load[:, None] * mix).astype(float)
    busy = np.zeros((seconds, len(tiers)))
    for k in range(len(tiers)):
        for t in range(len(names)):
            n = completions[:, t]
            if truth[t, k] > 0:
                busy[:, k] += np.where(n > 0, rng.gamma(np.maximum(n, 1), truth[t, k]), 0.0)
    start = np.arange(seconds, dtype=float)
    windows = Windows(start, start + 1, completions, busy, names, tiers, np.zeros(seconds, int))
    return windows, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--truths", type=int, default=3, help="seeded truths (default 3)")
    args = parser.parse_args()
    model = load_scenario(ROOT / "scenarios" / "ci-smoke.toml")
    for seed in range(2026, 2026 + args.truths):
        print(f"truth seed {seed}:")
        run_truth(model, args, np.random.default_rng(seed))


def run_truth(model, args: argparse.Namespace, rng: np.random.Generator) -> None:
    windows, truth = synthetic(model, args.minutes * 60, rng)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        found = estimate(windows, model, [], np.random.default_rng(1), args.replicates)
        times.append(time.perf_counter() - started)
    errors, inside = [], []
    for i, name in enumerate(windows.transactions):
        for k, tier in enumerate(windows.tiers):
            if truth[i, k] > 0:
                e = found.demands[name][tier]
                errors.append(abs(e.estimate - truth[i, k]) / truth[i, k])
                inside.append(e.ci95[0] <= truth[i, k] <= e.ci95[1])
    print(
        f"{len(windows)} windows x {len(windows.transactions)} transactions x "
        f"{len(windows.tiers)} tiers, {args.replicates} bootstrap replicates"
    )
    print(
        f"estimate (fit + bootstrap + identifiability): best {min(times):.3f} s, "
        f"median {np.median(times):.3f} s of {args.repeat}"
    )
    print(
        f"largest relative error {max(errors):.1%}; true demand inside its 95 % CI: "
        f"{np.mean(inside):.0%} of {len(inside)}"
    )


if __name__ == "__main__":
    main()

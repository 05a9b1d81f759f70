"""Recorded tours of the real-work stack, estimated again, against their held-out levels.

The documented procedure (docs/real-service.md) leaves two directories per run:
the calibration (its ``plan/`` holds every phase's load-test run) and the
validation (its held-out load test, with the stack's busy time from the operating
system). This estimates each tour again from its phases' run directories, with
the code checked out now, and takes the utilization law at the held-out level's
*measured* counts: the calibrated model's background, plus each transaction's
requests per second times its demand, plus its deferred work (the value the
calibrated model carries). The simulator is left out on purpose: the comparison
is of the demands a tour gives, so a change to the fit can be judged on tours
already run, without the machine's drift of a new run.

Prints per tour the held-out throughput, the core measured, the law's prediction
and their difference, then the differences' mean, sd and how many are within 5
points.

Usage: python benchmarks/held_out_again.py CALIBRATION_DIR:VALIDATION_DIR [...]
       [--model examples/real-service/model.toml] [--tier stack] [--interval 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from peakload.app.calibrate.job import calibrate
from peakload.app.calibrate.options import CalibrateOptions
from peakload.core.scenario_file import load_scenario

MODEL = Path(__file__).resolve().parents[1] / "examples" / "real-service" / "model.toml"


def held_out(validation: Path, tier: str) -> tuple[dict[str, float], float]:
    """The held-out load test's requests per second per transaction, and its tier's
    measured utilization."""
    found = sorted(validation.glob("*loadtest*/summary.json"))
    if not found:
        raise SystemExit(f"{validation}: no held-out load test (*loadtest*/summary.json)")
    summary = json.loads(found[0].read_text())
    overall = summary["overall"]
    seconds = overall["requests"] / overall["throughput_rps"]
    rates = {name: row["count"] / seconds for name, row in summary["transactions"].items()}
    return rates, float(summary["tiers"][tier]["utilization"])


def predicted(model_path: Path, rates: dict[str, float], tier: str) -> float:
    """The utilization law at ``rates`` with the calibrated model's figures."""
    model = load_scenario(model_path)
    busy = model.tier(tier).background
    capacity = model.tier(tier).busy_capacity
    known = {t.name for t in model.transactions}
    for name, rate in rates.items():
        if name not in known:
            continue
        transaction = model.transaction(name)
        if tier in transaction.demand:
            busy += rate * float(transaction.demand[tier].mean) / capacity
        for work in transaction.deferred:
            if work.tier == tier:
                busy += rate * float(work.demand.mean) / capacity
    return busy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", nargs="+", help="CALIBRATION_DIR:VALIDATION_DIR")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--tier", default="stack")
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    gaps = []
    print(f"{'tour':48s} {'req/s':>7s} {'measured':>9s} {'law':>7s} {'gap':>7s}")
    for pair in args.pairs:
        calibration, _, validation = pair.partition(":")
        runs = sorted(Path(calibration).glob("plan/*-loadtest-*"))
        if not runs or not validation:
            print(f"{pair}: want CALIBRATION_DIR:VALIDATION_DIR with plan/*-loadtest-* runs")
            return 2
        with tempfile.TemporaryDirectory() as out:
            options = CalibrateOptions(
                args.model, runs=tuple(runs), out=out, interval_s=args.interval, plots=False
            )
            done = calibrate(options)
            rates, measured = held_out(Path(validation), args.tier)
            law = predicted(done.calibrated_path, rates, args.tier)
        gaps.append(100 * (law - measured))
        name = Path(calibration).name
        print(
            f"{name:48s} {sum(rates.values()):7.1f} {100 * measured:8.1f}% "
            f"{100 * law:6.1f}% {gaps[-1]:+6.1f}"
        )
    gap = np.array(gaps)
    spread = gap.std(ddof=1) if len(gap) > 1 else float("nan")
    print(
        f"predicted less measured: mean {gap.mean():+.1f} points, sd {spread:.1f}, "
        f"within 5 points {int(np.sum(np.abs(gap) <= 5))} of {len(gap)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

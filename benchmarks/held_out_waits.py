"""How a real core shares itself: each transaction's wait at held-out levels.

A CPU tier with ``cores`` is modelled as processor sharing: every request in
service gets an equal share of the core, so a request whose own CPU is ``D``
takes ``D / (1 - U)`` at utilization ``U``, and waits ``D * U / (1 - U)``. A
first-come-first-served core makes every request wait the same, whatever its
size: a cheap request waits far more than its share, an expensive one less.
The Linux scheduler is neither: it gives each runnable process a slice of a
few milliseconds, so a request shorter than a slice may wait for the one
running to finish it.

This reads recorded runs of the real-service experiment (``calibrate --plan``
then ``validate`` at a held-out level, as ``tests/mock_server/real/
test_experiment.py`` and docs/real-service.md run them) and, per major
transaction, takes its measured mean at the held-out level less its CPU demand
(the calibrated one, scaled by what a request cost at that level against the
model, so a machine that ran slower does not count as waiting) and less its
time outside the tiers (calibrate's estimate). What is left is its wait. Across
runs at different utilizations, the wait's slope on ``U / (1 - U)`` (a line
through the origin: an idle core makes no one wait) is the transaction's
demand under processor sharing: the ratio printed is 1 there, and larger for a
transaction that waits more than its share. Each run's line gives every
transaction's wait / demand in ms and, in brackets, that run's own ratio
(:func:`wait_ratio`).

Usage: python benchmarks/held_out_waits.py RUN_DIR [RUN_DIR ...]
       (each holding a calibrate run directory's ``calibration.json`` and a
       validate run directory's ``validation.json`` somewhere below it)
       [--tier stack] [--transactions search_budget_codes,create_payment,...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

MAJOR = "search_budget_codes,create_payment,sign_payment,submit_payment,get_payment"


def waits(
    calibration: dict, rows: dict[str, dict], tier: str, names: list[str], upper: bool = False
) -> dict[str, tuple[float, float, float]]:
    """Per transaction: (``U / (1 - U)`` measured, its wait in seconds, its demand
    scaled) at a held-out level, from ``calibration.json`` and the level's validation
    rows keyed by metric. ``upper``: each demand the upper end of its 95 % interval, not
    its estimate (the largest share the tour allows it; the wait is the estimate's)."""
    busy = rows[f"tiers.{tier}.utilization"]
    rate = rows["overall.throughput_rps"]
    background = calibration["fit"][tier]["background"] or 0.0
    # What a request cost at the level against the model: the utilization beyond the
    # background, per request, measured over predicted.
    cost = (
        (busy["measured"] - background)
        / max(busy["predicted"] - background, 1e-9)
        * rate["predicted"]
        / rate["measured"]
    )
    load = busy["measured"] / (1 - busy["measured"])
    found = {}
    for name in names:
        fitted = calibration["demands"][name][tier]
        demand = fitted["estimate"] * cost
        outside = calibration["outside"][name]["estimate"]
        mean = rows[f"transactions.{name}.mean_s"]["measured"]
        share = max(fitted["ci95"][1], fitted["estimate"]) * cost if upper else demand
        found[name] = (load, mean - demand - outside, share)
    return found


def wait_ratio(load: float, wait: float, demand: float) -> float:
    """A wait over its processor-sharing share ``demand * load``: 1 where the core is
    shared alike, larger for a request that waits more than its share."""
    return wait / max(demand * load, 1e-12)


def one_run(
    base: Path, tier: str, names: list[str], upper: bool = False
) -> dict[str, tuple[float, float, float]]:
    """:func:`waits` of the first calibration and validation below ``base``; empty when
    the run has neither."""
    calibrations = sorted(base.glob("**/calibration.json"))
    validations = sorted(base.glob("**/validation.json"))
    if not calibrations or not validations:
        return {}
    calibration = json.loads(calibrations[0].read_text())
    level = json.loads(validations[0].read_text())["levels"][0]
    return waits(calibration, {row["metric"]: row for row in level["rows"]}, tier, names, upper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--tier", default="stack")
    parser.add_argument("--transactions", default=MAJOR)
    args = parser.parse_args()
    names = args.transactions.split(",")
    per: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    for base in args.runs:
        found = one_run(base, args.tier, names)
        if not found:
            print(f"{base}: no calibration.json and validation.json below it, left out")
            continue
        load = next(iter(found.values()))[0]
        print(
            f"{base.name:<14} U {load / (1 + load):.3f} "
            + " ".join(
                f"{n[:6]} {1000 * w:5.1f}/{1000 * d:4.2f} ({wait_ratio(u, w, d):4.2f})"
                for n, (u, w, d) in found.items()
            )
        )
        for name, value in found.items():
            per[name].append(value)
    print("transaction              runs  wait per U/(1-U)  demand  ratio (1: shared)")
    for name, values in per.items():
        if not values:
            continue
        load, wait, demand = np.array(values).T
        slope = float(load @ wait / (load @ load))
        print(
            f"{name:<24} {len(values):>4} {1000 * slope:>13.2f} ms {1000 * demand.mean():>6.2f}"
            f" {slope / demand.mean():>7.2f}"
        )


if __name__ == "__main__":
    main()

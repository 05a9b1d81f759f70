"""Does a load test send the scenario's day? Its window against a reference run's.

For each transaction, its share of the window's requests (``transactions.<name>.count``
over the total) in the measured run and in the reference (usually the real-day
simulation, ``peakload simulate`` uncompressed); for each tier, its utilization.
Differences are in points (percentage points of share, of utilization). Exit 0
when every difference is within the bounds, 1 otherwise.

Usage: python -m benchmarks.mix_check MEASURED_RUN REFERENCE_RUN
           [--share-points 1.5] [--util-points 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def shares(summary: dict) -> dict[str, float]:
    counts = {name: t["count"] for name, t in summary["transactions"].items()}
    total = sum(counts.values())
    return {name: 100 * count / total if total else 0.0 for name, count in counts.items()}


def utilizations(summary: dict) -> dict[str, float]:
    return {name: 100 * tier["utilization"] for name, tier in summary.get("tiers", {}).items()}


def rows(measured: dict[str, float], reference: dict[str, float]) -> list[tuple[str, float, float]]:
    return [(name, measured.get(name, 0.0), value) for name, value in reference.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measured", type=Path)
    parser.add_argument("reference", type=Path)
    parser.add_argument("--share-points", type=float, default=1.5)
    parser.add_argument("--util-points", type=float, default=5.0)
    args = parser.parse_args(argv)
    measured = json.loads((args.measured / "summary.json").read_text())
    reference = json.loads((args.reference / "summary.json").read_text())
    print(
        f"window {'-'.join(measured['window'])}: {measured['overall']['requests']} requests "
        f"measured, {reference['overall']['requests']} in the reference"
    )
    worst = {}
    for title, pick, bound in (
        ("share %", shares, args.share_points),
        ("utilization %", utilizations, args.util_points),
    ):
        print(f"{title:<22}{'measured':>10}{'reference':>11}{'diff':>8}")
        table = rows(pick(measured), pick(reference))
        for name, value, ref in table:
            print(f"  {name:<20}{value:>10.2f}{ref:>11.2f}{value - ref:>+8.2f}")
        worst[title] = (max((abs(v - r) for _, v, r in table), default=0.0), bound)
    ok = True
    for title, (diff, bound) in worst.items():
        verdict = "within" if diff <= bound else "BEYOND"
        ok &= diff <= bound
        print(f"max |diff| {title}: {diff:.2f} points, {verdict} {bound:g}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

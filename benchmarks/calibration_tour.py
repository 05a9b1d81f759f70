"""The default ``calibrate --plan`` tour against seeded truths: how near, how long.

For each seed, writes a truth the model does not know (``scenarios/ci-smoke.toml``
with every app, db and signature demand multiplied by a per-transaction factor
between 0.5 and 2.5, drawn from ``numpy.random.default_rng(seed)``), runs
``calibrate --plan`` with its default flags against the mock serving that
truth, and prints:

- the tour's wall time, its phases and the widest interval left;
- every tier's mean demand per request (weighted by the model's step mix)
  against the truth's;
- the worst error among the demands of transactions carrying at least 5 % of
  requests, and how many are marked identifiable;
- the time outside the tiers per transaction.

Usage: python benchmarks/calibration_tour.py [--seeds 11 12 13] [--out DIR]
(about six minutes per seed; one at a time: it drives real traffic).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the recovery figures are the tests' own definitions

from peakload.app.calibrate.job import calibrate  # noqa: E402
from peakload.app.calibrate.options import CalibrateOptions  # noqa: E402
from tests.peakload.app.calibrate.recovery import recovery  # noqa: E402
from tests.peakload.app.calibrate.truth import CI_SMOKE, write_truth  # noqa: E402


def one_truth(seed: int, out: Path) -> None:
    truth = out / f"truth-{seed}.toml"
    factors = write_truth(truth, seed)
    started = time.monotonic()
    done = calibrate(
        CalibrateOptions(CI_SMOKE, plan=True, serve_scenario_path=truth, out=out, plots=False)
    )
    wall = time.monotonic() - started
    report = done.report
    tiers, major = recovery(done.run_dir / "calibration.json", truth, CI_SMOKE)
    design = report.design
    print(f"truth seed {seed}: factors {factors}")
    if design is not None:
        worst = design.worst[-1] if design.worst else ("-", 0.0)
        print(
            f"  tour: {wall:.0f} s wall, {len(design.phases)} phases in "
            f"{max(p.round for p in design.phases)} round(s), widest major interval "
            f"{worst[0]} ±{worst[1]:.1%}, precise: {design.precise}"
        )
    print(
        "  tier demand per request: "
        + ", ".join(f"{r.name} {r.error:+.1%}" for r in tiers)
        + f" (worst {max(abs(r.error) for r in tiers):.1%})"
    )
    worst = max(major, key=lambda r: abs(r.error))
    print(
        f"  major demands: {len(major)}, identifiable {sum(r.identifiable for r in major)}, "
        f"within 20 % {sum(abs(r.error) <= 0.2 for r in major)}, "
        f"worst {worst.name} {worst.error:+.1%}"
    )
    print(
        "  outside the tiers (ms): "
        + ", ".join(
            f"{name} {o.estimate * 1000:.1f} [{o.ci95[0] * 1000:.1f}, {o.ci95[1] * 1000:.1f}]"
            for name, o in report.outside.items()
        )
    )
    print(
        f"  fit for prediction: {report.fit_for_prediction}; load average "
        f"{os.getloadavg()[0]:.1f} at the end; results {done.run_dir}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="calibration-tour-"))
    out.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        one_truth(seed, out)


if __name__ == "__main__":
    main()

"""Is measured throughput biased against its prediction? ``make loadtest`` over seeds.

For each seed, the load test ``make loadtest`` runs (April, ``--user-scale 0.1``, x126;
``--lead-in`` shortens the day before the window, nothing else) and the simulation of
that very run (``simulate --as-run``, ``--replications`` of it, so the prediction's own
noise is small beside the measurement's). Per seed it prints the window's throughput,
measured against predicted, and what the generator did to each user's cycle:

- ``step+``: how much longer a step took than predicted (HTTP, and the CPU the mock
  and the generator wait for on a shared machine); a virtual user's cycle holds ``F``
  times of it (``Plan.scaled_think``), so ``cycle-`` = F x step+ / (F x (Z + R)) is the
  rate it costs;
- ``working``: users at work in the window (the processes' activity logs) against the
  plan's.

The mean residual over seeds is the bias; one run's residual is mostly the window's
sampling noise (about 2 % for the ~2,400 requests of April's 57 s window).

Usage: python -m benchmarks.throughput_residual [--seeds 101,202,303,404,505]
           [--lead-in 08:30] [--replications 20] [--out results/residual]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from loadtests.run_files import read_shape
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.app.simulate.job import SimulateOptions, simulate

APRIL = "scenarios/kbnn-2020-04-peak.toml"


def working_share(run_dir: Path, window: tuple[float, float], compress: float) -> float:
    """Users at work in the window over the plan's, from the shape and activity logs."""
    shape = read_shape(run_dir)
    origin = shape["wall"][0] - shape["elapsed"][0]
    wall = shape["wall"] - origin
    lo, hi = (w / compress for w in window)
    inside = (wall >= lo) & (wall < hi)
    return float(shape["users"][inside].sum() / shape["target"][inside].sum())


def one_seed(seed: int, args: argparse.Namespace) -> float:
    measured = loadtest(
        LoadTestOptions(
            APRIL, compress=126.0, user_scale=0.1, lead_in=args.lead_in, seed=seed,
            out=args.out, plots=False,
        )
    )  # fmt: skip
    predicted = simulate(
        SimulateOptions(
            APRIL, replications=args.replications, seed=seed, jobs=1, out=args.out,
            plots=False, as_run=measured.run_dir,
        )
    )  # fmt: skip
    m, p = measured.result.summary, predicted.result.summary
    assert m.overall is not None and p.overall is not None
    plan = measured.plan
    think = plan.scenario.workload.think_time.mean  # type: ignore[union-attr]
    step_excess = m.overall.mean_s - p.overall.mean_s
    cycle_cost = step_excess / (think + p.overall.mean_s)  # F x excess / (F x (Z + R))
    w0, w1 = (t - plan.run_start_s for t in plan.measure_window_s)
    working = working_share(measured.run_dir, (w0, w1), plan.compress)
    residual = m.overall.throughput_rps / p.overall.throughput_rps - 1
    print(
        f"seed {seed}: {m.overall.throughput_rps:6.2f} measured, {p.overall.throughput_rps:6.2f}"
        f" ±{p.overall.ci95('throughput_rps'):.2f} predicted req/s: {residual:+.2%}; step+ "
        f"{1000 * step_excess:+.0f} ms (cycle- {cycle_cost:.2%}); working {working:.4f}; "
        f"signature {100 * m.tiers['signature'].utilization:.1f} % vs "
        f"{100 * p.tiers['signature'].utilization:.1f} %; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return residual


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101,202,303,404,505")
    parser.add_argument("--lead-in", default="08:30", help="clock the day starts at")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("results/residual"))
    args = parser.parse_args(argv)
    residuals = [one_seed(int(s), args) for s in args.seeds.split(",")]
    mean = float(np.mean(residuals))
    se = float(np.std(residuals, ddof=1) / np.sqrt(len(residuals))) if len(residuals) > 1 else 0
    print(
        f"mean residual {mean:+.2%} (standard error {se:.2%}) over {len(residuals)} seeds; "
        f"{sum(r > 0 for r in residuals)} above, {sum(r < 0 for r in residuals)} below"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

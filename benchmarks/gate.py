"""The CI regression gate: ``make bench`` and ``make baseline``.

Runs, on a 2-core runner in a few minutes (the simulations at idle priority, beside
the load test and the suite: :func:`run_all`):

- ``sim-ci-smoke``: a fixed-seed simulation of ci-smoke (must match exactly);
- ``sim-april``: the April window, three replications (confidence intervals);
- ``loadtest-ci-smoke``: a load test of ci-smoke's window against the mock (30 s at x20,
  after a two-minute lead-in: :func:`_window_only`);
- ``suite``: peakload's own speed as ratios to references measured alongside
  (the sizing ratio only once ``results/baselines/suite`` has it, so that it is judged);

then compares each summary with ``results/baselines/<name>/summary.json``
(tolerances: ``results/baselines/tolerances.toml``), writes a Markdown summary
and a JUnit XML report, and exits 1 on any regression. ``--update`` writes
the baselines instead, with the scenario and the version they came from.

Usage: python -m benchmarks.gate [--update] [--smoke FILE] [--out DIR] [--skip-suite]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np

from peakload.app.compare import files as compare_report
from peakload.app.errors import CouldNotRun, JobError
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.app.run_dir import write_summary
from peakload.app.simulate.job import SimulateOptions, simulate
from peakload.core.clock import format_clock
from peakload.core.scenario_file import ScenarioError, load_scenario
from peakload.measure.compare import (
    TRANSACTION_LATENCIES,
    compare,
    load_run,
    load_tolerances,
    load_transaction_latencies,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINES = ROOT / "results" / "baselines"
MAX_BASELINE_LATENCIES = 50_000  # larger samples stay out of git; intervals judge those runs


def _run(job: Callable[[str], Path], what: str, destination: Path) -> Path:
    """Run ``job`` (given a scratch ``out``, returning its run directory) and move the
    run directory to ``destination``. A run that could not run stops the gate."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            run_dir = job(tmp)
        except (ScenarioError, JobError, CouldNotRun) as exc:
            raise SystemExit(f"bench: {what} could not run: {exc}") from None
        if destination.exists():
            shutil.rmtree(destination)
        shutil.move(str(run_dir), destination)
    return destination


def suite_ratios_gated() -> set[str]:
    """The suite's ratios the baseline has. ``peakload compare`` judges only the
    figures a baseline has: a ratio without one would be measured and never judged."""
    path = BASELINES / "suite" / "summary.json"
    if not path.exists():
        return set()
    return set(json.loads(path.read_text()).get("benchmarks", {}))


def _simulation(scenario: Path, **options) -> Callable[[str], Path]:
    return lambda tmp: simulate(SimulateOptions(scenario, out=tmp, plots=False, **options)).run_dir


def _load_test(scenario: Path, **options) -> Callable[[str], Path]:
    return lambda tmp: loadtest(LoadTestOptions(scenario, out=tmp, plots=False, **options)).run_dir


APRIL = ROOT / "scenarios" / "kbnn-2020-04-peak.toml"
LEAD_IN_S = 120.0


def _simulation_runs(smoke: Path) -> dict[str, tuple[Path, dict[str, int]]]:
    """The gated simulations by name: scenario and options."""
    return {"sim-ci-smoke": (smoke, {"seed": 42}), "sim-april": (APRIL, {"replications": 3})}


def _window_only(smoke: Path) -> dict[str, object]:
    """The load test's run: from :data:`LEAD_IN_S` scenario seconds before the smoke
    scenario's window to its end, not the whole day. ci-smoke's 60 users are all working
    from 09:03 and think 2 s: two minutes (6 wall seconds at x20) put them in their
    steady cycle before 09:05, and the run stops at 09:15 instead of ramping down to
    09:20. The window's figures are those of the same steady population; the run takes
    42 s instead of 67 here."""
    scenario = load_scenario(smoke)
    if scenario.window_s is None:
        return {}
    start, end = scenario.window_s
    lead_in = max(scenario.start_s, start - LEAD_IN_S)
    return {"lead_in": format_clock(lead_in), "window": (format_clock(start), format_clock(end))}


def _simulations(out: Path, smoke: Path) -> None:
    """The fixed-seed simulations, each in ``out/<name>/`` (:func:`_simulation_runs`), at
    idle priority (Linux's SCHED_IDLE, inherited by their replications' pools; nice 19
    where it is missing). Their figures are the same whatever CPU they get, so they take
    only what the load test and the speed ratios leave, and time neither."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)
    for name, (scenario, options) in _simulation_runs(smoke).items():
        _run(_simulation(scenario, **options), f"simulate {scenario}", out / name)


def run_all(out: Path, smoke: Path, skip_suite: bool, update: bool = False) -> dict[str, Path]:
    """Every gated run, each in ``out/<name>/``, through the app functions: the
    simulations in a process of their own at idle priority (:func:`_simulations`),
    beside the load test and then the suite, which time things. The suite's sizing
    ratio runs when its baseline is being written (``update``) or exists (then it is
    judged); a gate with no baseline for it would only print it (``python -m
    benchmarks.sizing_speed`` does, ``make bench-speed``)."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        window_only = _window_only(smoke)
    except ScenarioError as exc:
        raise SystemExit(f"bench: {smoke}: {exc}") from None
    simulations = multiprocessing.Process(
        target=_simulations, args=(out, smoke), name="bench-simulations"
    )
    simulations.start()
    try:
        # x20: a 30 s window of ~800 requests. At x40 (15 s, ~400) a tier's utilization
        # moved by 20 % between two runs of the same code: noise the gate would call a change.
        timed = {
            "loadtest-ci-smoke": _run(
                _load_test(smoke, compress=20, **window_only),
                f"loadtest {smoke}",
                out / "loadtest-ci-smoke",
            )
        }
        if not skip_suite:
            from benchmarks.suite import run_suite

            suite_dir = out / "suite"
            suite_dir.mkdir(exist_ok=True)
            sizing = update or "sizing" in suite_ratios_gated()
            write_summary(suite_dir, run_suite(sizing=sizing))
            timed["suite"] = suite_dir
    except BaseException:
        simulations.terminate()
        raise
    finally:
        simulations.join()
    if simulations.exitcode != 0:  # the reason is on stderr, from the process itself
        raise SystemExit(f"bench: the simulations ended with exit {simulations.exitcode}")
    return {**{name: out / name for name in _simulation_runs(smoke)}, **timed}


def _version() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return f"peakload {version('peakload')} at commit {commit}\n"


def update(runs: dict[str, Path]) -> None:
    for name, run_dir in runs.items():
        target = BASELINES / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy(run_dir / "summary.json", target / "summary.json")
        latencies = run_dir / "latencies.npy"
        if latencies.exists() and len(np.load(latencies)) <= MAX_BASELINE_LATENCIES:
            shutil.copy(latencies, target / "latencies.npy")
            by_transaction = run_dir / TRANSACTION_LATENCIES  # the same latencies, split
            if by_transaction.exists():
                shutil.copy(by_transaction, target / TRANSACTION_LATENCIES)
        if (run_dir / "scenario.toml").exists():
            shutil.copy(run_dir / "scenario.toml", target / "scenario.toml")
        (target / "VERSION").write_text(_version())
        print(f"baseline {name}: {target.relative_to(ROOT)}")


def gate(runs: dict[str, Path], out: Path) -> int:
    tolerances = load_tolerances(BASELINES / "tolerances.toml")
    suites = {}
    for name, run_dir in runs.items():
        if not (BASELINES / name / "summary.json").exists():
            print(
                f"bench: no baseline for {name}: run `make baseline` and commit it", file=sys.stderr
            )
            return 2
        baseline, baseline_latencies = load_run(BASELINES / name)
        current, current_latencies = load_run(run_dir)
        per_run = {**tolerances.get("default", {})}
        specific = tolerances.get(name, {})
        rows = compare(
            baseline,
            current,
            {
                "default": {**per_run, **specific.get("default", {})},
                "metrics": specific.get("metrics", {}),
            },
            baseline_latencies,
            current_latencies,
            load_transaction_latencies(BASELINES / name),
            load_transaction_latencies(run_dir),
        )
        suites[name] = rows
    text = "\n".join(compare_report.markdown(rows, name) for name, rows in suites.items())
    compare_report.write(out / "bench.md", text)
    compare_report.write(out / "bench-junit.xml", compare_report.junit(suites))
    print(text)
    failed = sum(r.failed for rows in suites.values() for r in rows)
    print(
        f"bench: {failed} regression(s); Markdown {out / 'bench.md'}, "
        f"JUnit {out / 'bench-junit.xml'}"
    )
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the baselines")
    parser.add_argument(
        "--smoke",
        type=Path,
        default=ROOT / "scenarios" / "ci-smoke.toml",
        help="the smoke scenario (a copy with a change shows a regression)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    parser.add_argument("--skip-suite", action="store_true", help="no speed benchmarks")
    args = parser.parse_args()
    runs = run_all(args.out, args.smoke, args.skip_suite, update=args.update)
    if args.update:
        update(runs)
        return
    sys.exit(gate(runs, args.out))


if __name__ == "__main__":
    main()

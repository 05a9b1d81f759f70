"""The CI regression gate: ``make bench`` and ``make baseline``.

Runs, on a 2-core runner in a few minutes:

- ``sim-ci-smoke``: a fixed-seed simulation of ci-smoke (must match exactly);
- ``sim-april``: the April window, three replications (confidence intervals);
- ``loadtest-ci-smoke``: a 30 s load test of ci-smoke against the mock;
- ``suite``: peakload's own speed as ratios to references measured alongside;

then compares each summary with ``results/baselines/<name>/summary.json``
(tolerances: ``results/baselines/tolerances.toml``), writes a Markdown summary
and a JUnit XML report, and exits 1 on any regression. ``--update`` writes
the baselines instead, with the scenario and the version they came from.

Usage: python -m benchmarks.gate [--update] [--smoke FILE] [--out DIR] [--skip-suite]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

from peakload.app import compare_files as compare_report
from peakload.cli import main as peakload
from peakload.measure.compare import compare, load_run, load_tolerances

ROOT = Path(__file__).resolve().parents[1]
BASELINES = ROOT / "results" / "baselines"
MAX_BASELINE_LATENCIES = 50_000  # larger samples stay out of git; intervals judge those runs


def _run(kind: str, args: list[str], destination: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        code = peakload([kind, *args, "--out", tmp, "--no-plots", "--quiet"])
        runs = list(Path(tmp).iterdir())
        if code == 2 or not runs:
            raise SystemExit(f"bench: {kind} {' '.join(args)} could not run (exit {code})")
        if destination.exists():
            shutil.rmtree(destination)
        shutil.move(str(runs[0]), destination)
    return destination


def run_all(out: Path, smoke: Path, skip_suite: bool) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    april = ROOT / "scenarios" / "kbnn-2020-04-peak.toml"
    runs = {
        "sim-ci-smoke": _run(
            "simulate", ["--scenario", str(smoke), "--seed", "42"], out / "sim-ci-smoke"
        ),
        "sim-april": _run(
            "simulate", ["--scenario", str(april), "--replications", "3"], out / "sim-april"
        ),
        "loadtest-ci-smoke": _run(
            "loadtest", ["--scenario", str(smoke), "--compress", "40"], out / "loadtest-ci-smoke"
        ),
    }
    if not skip_suite:
        from benchmarks.suite import run_suite

        suite_dir = out / "suite"
        suite_dir.mkdir(exist_ok=True)
        (suite_dir / "summary.json").write_text(json.dumps(run_suite(), indent=2))
        runs["suite"] = suite_dir
    return runs


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
    runs = run_all(args.out, args.smoke, args.skip_suite)
    if args.update:
        update(runs)
        return
    sys.exit(gate(runs, args.out))


if __name__ == "__main__":
    main()

"""One run directory, whichever engine made it: where it goes and what it holds.

A job makes ``<out>/<timestamp>-<kind>-<scenario>/`` (:func:`new_run_dir`, or
:func:`start_run`, which also copies the scenario in), writes the output
contract's files (:func:`write_run`: ``summary.json``, ``timeseries.csv``,
``latencies.npy``, the window's per-request latencies for ``compare``'s
Mann-Whitney test, and unless asked not to the PNG plots; a load test also
``transaction_latencies.npz``, the same per transaction), and last
(:func:`write_closing_files`) ``provenance.json`` and ``report.html``.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from peakload.app.errors import JobError
from peakload.app.provenance import Stopwatch, write_provenance
from peakload.contract.summary import Summary
from peakload.contract.timeseries import Timeseries
from peakload.core.clock import format_clock
from peakload.core.scenario import Scenario
from peakload.measure.compare import TRANSACTION_LATENCIES


def new_run_dir(out: str | Path, kind: str, scenario: str, now: datetime | None = None) -> Path:
    """``<out>/<timestamp>-<kind>-<scenario>/``, made unique if two runs share a second.

    An ``out`` where no directory can be made (read-only, not a directory, under
    ``/proc``) is unusable input: :class:`JobError`, one line naming ``--out``.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(out) / f"{stamp}-{kind}-{scenario}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise JobError(
            f"--out {out}: cannot make the run directory there ({exc.strerror or exc}); "
            "give a writable directory"
        ) from None
    return path


def jsonable(value: Any) -> Any:
    """NaN and infinity are not JSON: they become null."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_summary(run_dir: Path, summary: Summary) -> Path:
    """``summary.json``: the contract's fields that were set, NaN written as ``null``."""
    path = run_dir / "summary.json"
    path.write_text(json.dumps(jsonable(summary.to_dict()), indent=2, allow_nan=False) + "\n")
    return path


def write_timeseries(run_dir: Path, columns: dict[str, np.ndarray]) -> Path:
    """One row per minute; ``clock`` first, then the contract columns, then per tier."""
    path = run_dir / "timeseries.csv"
    names = [k for k in columns if k != "time_s"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["clock", *names])
        for i, t in enumerate(columns["time_s"]):
            row = [format_clock(float(t), with_seconds=True)]
            for name in names:
                value = float(columns[name][i])
                row.append("" if math.isnan(value) else f"{value:.6g}")
            writer.writerow(row)
    return path


def copy_scenario(run_dir: Path, scenario_path: str | Path) -> Path:
    """``scenario.toml``: a copy of the scenario the run followed."""
    target = run_dir / "scenario.toml"
    shutil.copyfile(scenario_path, target)
    return target


class JudgedRun:
    """What a finished simulation or load test offers beside its own fields: the
    judged summary of its ``result`` and the verdict."""

    result: Any

    @property
    def summary(self) -> Summary:
        """The judged contract summary (also in ``run_dir/summary.json``)."""
        return self.result.summary

    @property
    def passed(self) -> bool:
        """The verdict: the SLO held (for a load test also: no write lost or
        duplicated, the generator not saturated)."""
        return self.summary.slo is not None and self.summary.slo.passed


def start_run(out: str | Path, kind: str, scenario: Scenario, scenario_path: str | Path) -> Path:
    """A new ``<out>/<timestamp>-<kind>-<scenario>/`` holding a copy of the scenario."""
    run_dir = new_run_dir(out, kind, scenario.name)
    copy_scenario(run_dir, scenario_path)
    return run_dir


class EngineResult(Protocol):
    """What either engine hands back: a simulation's result or a load test's."""

    summary: Summary
    timeseries: Timeseries
    latencies: np.ndarray


def write_transaction_latencies(run_dir: Path, by_transaction: dict[str, np.ndarray]) -> None:
    """``transaction_latencies.npz``: each transaction's window latencies (float32), for
    ``compare``'s order-statistic intervals of its percentiles; nothing when empty."""
    if by_transaction:
        savez: Any = np.savez  # numpy's stub types a keyword array as its allow_pickle flag
        savez(run_dir / TRANSACTION_LATENCIES, **by_transaction)


def write_run(
    run_dir: Path,
    result: EngineResult,
    scenario: Scenario,
    plots: bool = True,
    population_label: str = "simulated",
) -> None:
    """Write the contract files of one run (and its plots when ``plots``)."""
    summary, series, latencies = result.summary, result.timeseries, result.latencies
    write_summary(run_dir, summary)
    write_timeseries(run_dir, series)
    np.save(run_dir / "latencies.npy", latencies)
    if plots:
        from peakload.app.plots import plot_run

        plot_run(
            run_dir,
            series,
            [t.name for t in scenario.tiers],
            title=scenario.name,
            window_s=summary.window_s,
            slo_p95_s=scenario.slo.p95_s,
            max_utilization=scenario.slo.max_utilization,
            population_label=population_label,
        )


def write_closing_files(run_dir: Path, stopwatch: Stopwatch, seed: int | None) -> Path:
    """The last step of every job: ``provenance.json`` (with the wall time since
    ``stopwatch`` started), then ``report.html`` from the files now written."""
    from peakload.app.report import write_report

    write_provenance(run_dir, stopwatch, seed)
    return write_report(run_dir)

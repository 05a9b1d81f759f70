"""What every run directory holds, whichever engine made it.

``summary.json``, ``timeseries.csv``, ``latencies.npy`` (the window's
per-request latencies, for ``compare``'s Mann-Whitney test), a copy of the
scenario and, unless asked not to, the PNG plots; last, from
:func:`finish_run`, ``provenance.json`` and ``report.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from peakload.app.provenance import Stopwatch, write_provenance
from peakload.app.rundir import copy_scenario, new_run_dir, write_summary, write_timeseries
from peakload.contract.summary import Summary
from peakload.contract.timeseries import Timeseries
from peakload.core.scenario import Scenario


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


def write_run(
    run_dir: Path,
    summary: Summary,
    series: Timeseries,
    latencies: np.ndarray,
    scenario: Scenario,
    plots: bool = True,
    population_label: str = "simulated",
) -> None:
    """Write the contract files of one run (and its plots when ``plots``)."""
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


def finish_run(run_dir: Path, stopwatch: Stopwatch, seed: int | None) -> Path:
    """The last step of every job: ``provenance.json`` (with the wall time since
    ``stopwatch`` started), then ``report.html`` from the files now written."""
    from peakload.app.report import write_report

    write_provenance(run_dir, stopwatch, seed)
    return write_report(run_dir)

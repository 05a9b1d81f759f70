"""The ``simulate`` job: replications of the SimPy model, written as a run directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.provenance import Stopwatch
from peakload.app.run_output import JudgedRun, finish_run, start_run, write_run
from peakload.core.clock import parse_clock
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from simulation.runner import SimulationResult
from simulation.runner import simulate as run_simulation


@dataclass(frozen=True)
class SimulateOptions:
    """What to simulate and where to write it.

    ``window`` is a pair of ``HH:MM`` clocks; ``None`` takes the scenario's
    window, else the whole run with MSER-5 warm-up removal for steady
    workloads. ``seed`` ``None`` takes the scenario's; ``jobs`` ``None`` uses
    every core.
    """

    scenario_path: str | Path
    replications: int = 1
    seed: int | None = None
    jobs: int | None = None
    window: tuple[str, str] | None = None
    out: str | Path = "results"
    plots: bool = True


@dataclass
class SimulationRun(JudgedRun):
    """A finished simulation: where it was written and what it found."""

    run_dir: Path
    scenario: Scenario
    result: SimulationResult


def simulate(
    options: SimulateOptions, progress: Callable[[float], None] | None = None
) -> SimulationRun:
    """Simulate ``options.scenario_path`` and write its run directory.

    ``progress`` is called with the simulated seconds done so far, summed over
    replications; the total is ``(end - start) * replications``.
    """
    stopwatch = Stopwatch()
    scenario = load_scenario(options.scenario_path)
    window = None
    if options.window is not None:
        window = (parse_clock(options.window[0]), parse_clock(options.window[1]))
        if window[0] < scenario.start_s or window[1] > scenario.end_s:
            raise JobError(
                f"--window {'-'.join(options.window)} lies outside the run "
                f"{scenario.scenario.start}-{scenario.scenario.end}"
            )
    result = run_simulation(
        scenario,
        replications=options.replications,
        seed=options.seed,
        jobs=options.jobs,
        window=window,
        progress=progress,
    )
    run_dir = start_run(options.out, "simulation", scenario, options.scenario_path)
    write_run(run_dir, result.summary, result.timeseries, result.latencies, scenario, options.plots)
    finish_run(run_dir, stopwatch, result.summary.seed)
    return SimulationRun(run_dir, scenario, result)


def simulated_seconds(options: SimulateOptions) -> float:
    """The progress total of :func:`simulate`: simulated seconds over all replications."""
    scenario = load_scenario(options.scenario_path)
    return (scenario.end_s - scenario.start_s) * options.replications

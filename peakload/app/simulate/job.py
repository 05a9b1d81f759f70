"""The ``simulate`` job: replications of the SimPy model, written as a run directory.

Two questions, one job. Without a plan it predicts the scenario's real day
(the reference). With a plan (``as_run``: a load test's run directory, or the
load test's own knobs ``compress``, ``user_scale``, ``lead_in``,
``duration_s``) it predicts that experiment as run
(:mod:`simulation.as_run`), summarised the way the load test is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.loadtest.job import PLAN_FILE, LoadTestOptions, plan_for
from peakload.app.provenance import Stopwatch
from peakload.app.run_dir import JudgedRun, start_run, write_closing_files, write_run
from peakload.core.clock import parse_clock
from peakload.core.plan import Plan
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from simulation.as_run import plan_seconds, simulate_plan
from simulation.runner import SimulationResult
from simulation.runner import simulate as run_simulation


@dataclass(frozen=True)
class SimulateOptions:
    """What to simulate and where to write it.

    ``window`` is a pair of ``HH:MM`` clocks; ``None`` takes the scenario's
    window, else the whole run with MSER-5 warm-up removal for steady
    workloads. ``seed`` ``None`` takes the scenario's; ``jobs`` ``None`` uses
    every core.

    ``as_run`` (a load test's run directory) or any of ``compress``,
    ``user_scale``, ``lead_in``, ``duration_s`` (the load test's flags, same
    meanings, ``window`` then being the load test's too) make it predict that
    load test instead of the real day.
    """

    scenario_path: str | Path
    replications: int = 1
    seed: int | None = None
    jobs: int | None = None
    window: tuple[str, str] | None = None
    out: str | Path = "results"
    plots: bool = True
    as_run: str | Path | None = None
    compress: float | None = None
    user_scale: float | None = None
    lead_in: str | None = None
    duration_s: float | None = None

    @property
    def plan_mode(self) -> bool:
        knobs = (self.as_run, self.compress, self.user_scale, self.lead_in, self.duration_s)
        return any(k is not None for k in knobs)


def plan_of(options: SimulateOptions) -> Plan | None:
    """The experiment to predict, or None for the real day."""
    if not options.plan_mode:
        return None
    if options.as_run is not None:
        return read_plan(options.as_run)
    return plan_for(
        LoadTestOptions(
            options.scenario_path,
            compress=options.compress,
            user_scale=1.0 if options.user_scale is None else options.user_scale,
            window=options.window,
            lead_in=options.lead_in,
            duration_s=options.duration_s,
            seed=options.seed,
        )
    )


def read_plan(run_dir: str | Path) -> Plan:
    """The plan a load test saved in its run directory, on the scenario copy beside it."""
    run_dir = Path(run_dir)
    path, scenario = run_dir / PLAN_FILE, run_dir / "scenario.toml"
    if not path.is_file() or not scenario.is_file():
        raise JobError(
            f"--as-run {run_dir}: not a load test's run directory (no {PLAN_FILE} "
            "and scenario.toml; run directories of load tests made before plans were saved "
            "cannot be predicted: give the load test's flags instead)"
        )
    try:
        data = json.loads(path.read_text())
        # The runner's own path may be gone or elsewhere: use the copy beside the plan.
        data |= {"scenario_path": str(scenario), "out_dir": None}
        return Plan.from_json(json.dumps(data))
    except (ValueError, TypeError) as exc:
        raise JobError(f"--as-run {run_dir}: {PLAN_FILE}: {exc}") from None


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
    plan = plan_of(options)
    if plan is not None:
        return _simulate_plan(options, plan, progress, stopwatch)
    scenario = load_scenario(options.scenario_path)
    window = None
    if options.window is not None:
        window = (parse_clock(options.window[0]), parse_clock(options.window[1]))
        if window[0] < scenario.start_s or window[1] > scenario.end_s:
            raise JobError(
                f"--window {'-'.join(options.window)} lies outside the run "
                f"{scenario.scenario.start}-{scenario.scenario.end}"
            )
    run_dir = start_run(options.out, "simulation", scenario, options.scenario_path)
    result = run_simulation(
        scenario,
        replications=options.replications,
        seed=options.seed,
        jobs=options.jobs,
        window=window,
        progress=progress,
    )
    write_run(run_dir, result, scenario, options.plots)
    write_closing_files(run_dir, stopwatch, result.summary.seed)
    return SimulationRun(run_dir, scenario, result)


def _simulate_plan(
    options: SimulateOptions,
    plan: Plan,
    progress: Callable[[float], None] | None,
    stopwatch: Stopwatch,
) -> SimulationRun:
    if options.seed is not None:
        plan = replace(plan, seed=options.seed)
    scenario = plan.scenario
    run_dir = start_run(options.out, "simulation", scenario, plan.scenario_path)
    result = simulate_plan(plan, options.replications, jobs=options.jobs, progress=progress)
    if options.as_run is not None and result.summary.plan is not None:
        result.summary.plan["as_run"] = str(options.as_run)
    (run_dir / PLAN_FILE).write_text(plan.to_env() + "\n")
    label = "simulated (scenario-equivalent)"
    write_run(run_dir, result, scenario, options.plots, population_label=label)
    write_closing_files(run_dir, stopwatch, result.summary.seed)
    return SimulationRun(run_dir, scenario, result)


def simulated_seconds(options: SimulateOptions) -> float:
    """The progress total of :func:`simulate`: simulated seconds over all replications."""
    plan = plan_of(options)
    if plan is not None:
        return plan_seconds(plan, options.replications)
    scenario = load_scenario(options.scenario_path)
    return (scenario.end_s - scenario.start_s) * options.replications

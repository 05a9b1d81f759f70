"""The ``loadtest`` job: the scenario as real HTTP traffic, measured and judged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadtests import busy_sources
from loadtests.runner import LoadTestError, LoadTestResult, run_loadtest
from peakload.app.errors import CouldNotRun, JobError
from peakload.app.provenance import Stopwatch
from peakload.app.run_output import JudgedRun, finish_run, start_run, write_run
from peakload.core.clock import parse_clock
from peakload.core.plan import Plan
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario

PLAN_FILE = "plan.json"
"""The plan of a load test, saved in its run directory (``Plan.to_env()`` JSON)."""
DEFAULT_WALL_S = 300.0
"""Without ``--compress`` the run is fitted into this many wall seconds."""


@dataclass(frozen=True)
class LoadTestOptions:
    """What to run and how: the flags of ``peakload loadtest``.

    ``compress`` ``None`` fits the run (lead-in to the window's end) into
    :data:`DEFAULT_WALL_S`. ``host`` ``None`` starts the mock for the scenario,
    or for ``serve_scenario_path`` when given: the mock then emulates that
    scenario's tiers and demands while the users follow ``scenario_path``.
    """

    scenario_path: str | Path
    host: str | None = None
    serve_scenario_path: str | Path | None = None
    compress: float | None = None
    user_scale: float = 1.0
    window: tuple[str, str] | None = None
    lead_in: str | None = None
    duration_s: float | None = None
    workers: int = 1
    seed: int | None = None
    out: str | Path = "results"
    plots: bool = True
    busy_map_path: str | Path | None = None
    """A TOML mapping tiers to busy-time sources of a real system (see loadtests.busy_sources)."""


@dataclass
class LoadTestRun(JudgedRun):
    """A finished load test: where it was written, its plan and what it measured."""

    run_dir: Path
    scenario: Scenario
    plan: Plan
    result: LoadTestResult


def plan_for(options: LoadTestOptions) -> Plan:
    """The plan the options describe; a plan that cannot run raises :class:`JobError`."""
    scenario = load_scenario(options.scenario_path)  # a bad file fails here, with its message
    compress = options.compress
    if compress is None:
        start = parse_clock(options.lead_in) if options.lead_in else scenario.start_s
        end = parse_clock(options.window[1]) if options.window else scenario.end_s
        compress = max(1.0, (end - start) / DEFAULT_WALL_S)
    try:
        return Plan(
            str(options.scenario_path),
            compress=compress,
            user_scale=options.user_scale,
            window=options.window,
            lead_in=options.lead_in,
            duration_s=options.duration_s,
            seed=options.seed,
            workers=options.workers,
        )
    except ValueError as exc:
        raise JobError(str(exc)) from None


def loadtest(
    options: LoadTestOptions,
    plan: Plan | None = None,
    progress: Callable[[float], None] | None = None,
) -> LoadTestRun:
    """Run the load test ``options`` describe and write its run directory.

    ``progress`` gets the wall seconds done; the total is ``plan.wall_duration_s``.
    Raises :class:`CouldNotRun` when the run could not start or recorded nothing.
    """
    if options.host and options.serve_scenario_path:
        raise JobError("--serve-scenario needs the mock this starts; it cannot go with --host")
    stopwatch = Stopwatch()
    plan = plan or plan_for(options)
    scenario = plan.scenario
    busy_map = None
    if options.busy_map_path is not None:
        try:
            busy_map = busy_sources.load_busy_map(
                options.busy_map_path, [t.name for t in scenario.tiers]
            )
        except busy_sources.BusyMapError as exc:
            raise JobError(str(exc)) from None
    run_dir = start_run(options.out, "loadtest", scenario, options.scenario_path)
    # The plan as run, for ``peakload simulate --as-run RUN_DIR`` (its prediction).
    (run_dir / PLAN_FILE).write_text(plan.to_env() + "\n")
    try:
        result = run_loadtest(
            plan,
            run_dir,
            host=options.host,
            progress=progress,
            serve_scenario=options.serve_scenario_path,
            busy_map=busy_map,
        )
    except LoadTestError as exc:
        raise CouldNotRun(f"could not run: {exc}") from None
    write_run(
        run_dir,
        result.summary,
        result.timeseries,
        result.latencies,
        scenario,
        options.plots,
        population_label="virtual users (scenario-equivalent)",
    )
    finish_run(run_dir, stopwatch, plan.run_seed)
    return LoadTestRun(run_dir, scenario, plan, result)

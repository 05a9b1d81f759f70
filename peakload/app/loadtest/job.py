"""The ``loadtest`` job: the scenario as real HTTP traffic, measured and judged."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadtests import busy_sources
from loadtests.outages import MockSupervisor
from loadtests.roster import setup_rate
from loadtests.runner import LoadTestError, LoadTestResult, run_loadtest, start_mock
from loadtests.tasks import TasksError, load_tasks
from peakload.app import defaults
from peakload.app.errors import CouldNotRun, JobError
from peakload.app.provenance import Stopwatch, write_provenance
from peakload.app.run_dir import (
    JudgedRun,
    start_run,
    write_closing_files,
    write_run,
    write_transaction_latencies,
)
from peakload.contract.summary import Summary
from peakload.core.clock import format_clock, parse_clock
from peakload.core.plan import Plan
from peakload.core.request_map import load_request_map
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from peakload.core.templates import TemplateError, read_secrets

PLAN_FILE = "plan.json"
"""The plan of a load test, saved in its run directory (``Plan.to_env()`` JSON)."""
DEFAULT_WALL_S = 300.0
"""Without ``--compress`` (and ``--duration``) the run is fitted into this many wall seconds."""


@dataclass(frozen=True)
class LoadTestOptions:
    """What to run and how: the flags of ``peakload loadtest``.

    ``compress`` ``None`` fits the run (lead-in to the window's end) into
    ``duration_s``, or :data:`DEFAULT_WALL_S` without one. A run that measures
    fewer than ``min_requests`` requests in its window could not run. ``host``
    ``None`` starts the mock for the scenario, or for ``serve_scenario_path``
    when given: the mock then emulates that scenario's tiers and demands while
    the users follow ``scenario_path``.
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
    pool_start: int | None = None
    pool_max: int | None = None
    seed: int | None = None
    min_requests: int = defaults.LOADTEST_MIN_REQUESTS
    sign_in_rate: float | None = None  # default: what the busiest tier can take
    out: str | Path = "results"
    plots: bool = True
    reports: bool = True
    """report.html and Locust's own CSV and HTML reports; False writes only the files
    a run is read back from (calibrate's phases: summary, records, samples)."""
    busy_map_path: str | Path | None = None
    """A TOML mapping tiers to busy-time sources of a real system (see loadtests.busy_sources)."""
    db: str | None = None
    requests_path: str | Path | None = None
    """What the users send: a request map (``.toml``) or a tasks module (``.py``);
    default: the scenario's ``requests``, else our mock's API."""
    kill_server_at: tuple[str, ...] = ()
    restart_after_s: float = defaults.RESTART_AFTER_S


@dataclass
class LoadTestRun(JudgedRun):
    """A finished load test: where it was written, its plan and what it measured."""

    run_dir: Path
    scenario: Scenario
    plan: Plan
    result: LoadTestResult


def plan_for(options: LoadTestOptions) -> Plan:
    """The plan the options describe; a plan that cannot run raises :class:`JobError`,
    and so does one whose ``--duration`` stops it before its window opens."""
    scenario = load_scenario(options.scenario_path)  # a bad file fails here, with its message
    compress = options.compress
    if compress is None:
        start = parse_clock(options.lead_in) if options.lead_in else scenario.start_s
        end = parse_clock(options.window[1]) if options.window else scenario.end_s
        compress = max(1.0, (end - start) / (options.duration_s or DEFAULT_WALL_S))
    try:
        plan = Plan(
            str(options.scenario_path),
            compress=compress,
            user_scale=options.user_scale,
            window=options.window,
            lead_in=options.lead_in,
            duration_s=options.duration_s,
            seed=options.seed,
            workers=options.workers,
            sign_in_rate=options.sign_in_rate or setup_rate(scenario),
            pool_start=options.pool_start,
            pool_max=options.pool_max,
            requests=requests_file(options, scenario),
        )
    except ValueError as exc:
        raise JobError(str(exc)) from None
    _check_window_reached(plan)
    return plan


def scenario_requests(scenario_path: str | Path, scenario: Scenario | None = None) -> Path | None:
    """The request map or tasks module a scenario names (``[scenario] requests``),
    relative to the scenario file; None when it names none. Jobs that load-test
    derived scenarios (validate's plateaus, calibrate's tour) pass it on from the
    scenario they were given."""
    scenario = scenario or load_scenario(scenario_path)
    if not scenario.scenario.requests:
        return None
    return Path(scenario_path).parent / scenario.scenario.requests


def requests_file(options: LoadTestOptions, scenario: Scenario) -> str | None:
    """The request map or tasks module the run uses, checked, as an absolute path:
    ``--requests``/``--tasks``, else the scenario's ``requests`` (relative to it)."""
    given = options.requests_path or scenario_requests(options.scenario_path, scenario)
    if given is None:
        return None
    path = Path(given).resolve()
    if path.suffix == ".py":
        try:
            load_tasks(path, scenario)
        except TasksError as exc:
            raise JobError(str(exc)) from None
        return str(path)
    request_map = load_request_map(path)  # a bad map: one line per problem, exit 2
    request_map.check_scenario(scenario, str(path))
    try:
        read_secrets(request_map.secrets(), path.parent, os.environ)
    except TemplateError as exc:
        raise JobError(f"{path}: {exc}") from None
    return str(path)


def compression_note(options: LoadTestOptions, plan: Plan) -> str | None:
    """What the runner chose for the user: the compression, when none was given."""
    if options.compress is not None:
        return None
    fitted = f"--duration {options.duration_s:g} s" if options.duration_s else "5 minutes"
    return (
        f"compression x{plan.compress:.3g} (no --compress): "
        f"{format_clock(plan.run_start_s)}-{format_clock(plan.run_end_s)} fits into {fitted}"
    )


def _check_window_reached(plan: Plan) -> None:
    lo, hi = plan.measure_window_s
    stop = plan.clock_at(plan.wall_duration_s)
    if stop > lo:
        return
    # Without --duration the run lasts to the window's end, so only a --duration stops it
    # before the window opens.
    assert plan.duration_s is not None
    raise JobError(
        f"--duration {plan.duration_s:g} s stops the run at {format_clock(stop)} "
        f"(x{plan.compress:g} from {format_clock(plan.run_start_s)}), before the window "
        f"{format_clock(lo)}-{format_clock(hi)} opens: give --duration "
        f"{math.ceil(plan.wall_at(hi))} or more, or --compress "
        f"{(hi - plan.run_start_s) / plan.duration_s:.3g} or more"
    )


def _check_measured(options: LoadTestOptions, plan: Plan, summary: Summary, run_dir: Path) -> None:
    """A run that measured nothing, or fewer requests than its minimum, could not run."""
    measured = int(summary.overall.requests) if summary.overall is not None else 0
    if measured >= max(1, options.min_requests):
        return
    lo, hi = summary.window or [format_clock(t) for t in plan.measure_window_s]
    what = (
        "no request"
        if measured == 0
        else f"{measured} requests, fewer than --min-requests {options.min_requests},"
    )
    wider = plan.compress * measured / options.min_requests if measured else plan.compress / 10
    raise CouldNotRun(
        f"measured {what} in the window {lo}-{hi}: give the window more wall time "
        f"with --compress {max(1.0, wider):.3g} (now x{plan.compress:g}) or a longer --duration "
        f"(results in {run_dir})"
    )


def kill_clocks(options: LoadTestOptions, plan: Plan) -> tuple[float, ...]:
    """``--kill-server-at`` as scenario seconds, each inside the run; else :class:`JobError`."""
    for flag, given in (("--kill-server-at", options.kill_server_at), ("--db", options.db)):
        if options.host and given:
            raise JobError(f"{flag} acts on the mock this starts; it cannot go with --host")
    if not options.kill_server_at:
        return ()
    if options.restart_after_s < 0:
        raise JobError(f"--restart-after must be >= 0 (got {options.restart_after_s:g})")
    clocks = []
    end = plan.clock_at(plan.wall_duration_s)
    for text in options.kill_server_at:
        try:
            clock = parse_clock(text)
        except ValueError as exc:
            raise JobError(f"--kill-server-at: {exc}") from None
        if not plan.run_start_s < clock < end:
            raise JobError(
                f"--kill-server-at {text} is outside the run "
                f"({format_clock(plan.run_start_s)}-{format_clock(end)})"
            )
        clocks.append(clock)
    return tuple(sorted(clocks))


def shared_mock(options: LoadTestOptions, where: Path) -> MockSupervisor:
    """A mock to lend to several load tests in a row (``loadtest(..., mock=)``), started
    now in ``where`` for the plan ``options`` describe (serving its
    ``serve_scenario_path`` when given); the caller stops it. Its service times come
    from one stream, seeded from that first plan's seed, and run on through the runs:
    each run draws fresh ones, as it would from a mock of its own.
    Raises :class:`CouldNotRun` when it does not start."""
    if options.host:
        raise JobError("a mock of peakload's own cannot go with --host")
    try:
        return start_mock(
            plan_for(options),
            where.resolve(),
            options.serve_scenario_path,
            options.db,
            restart_after_s=options.restart_after_s,
        )
    except LoadTestError as exc:
        raise CouldNotRun(f"could not run: {exc}") from None


def loadtest(
    options: LoadTestOptions,
    plan: Plan | None = None,
    progress: Callable[[float], None] | None = None,
    mock: MockSupervisor | None = None,
) -> LoadTestRun:
    """Run the load test ``options`` describe and write its run directory.

    ``progress`` gets the wall seconds done; the total is ``plan.wall_duration_s``.
    ``mock``, from :func:`shared_mock`, serves the run in place of a mock of its own
    (``options.serve_scenario_path`` is then the mock's, given when it started).
    Raises :class:`CouldNotRun` when the run could not start, or measured fewer
    than ``options.min_requests`` requests in its window (the run directory is
    written all the same, to look into).
    """
    if options.host and options.serve_scenario_path:
        raise JobError("--serve-scenario needs the mock this starts; it cannot go with --host")
    stopwatch = Stopwatch()
    plan = plan or plan_for(options)
    kill_at_s = kill_clocks(options, plan)
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
            db_url=options.db,
            kill_at_s=kill_at_s,
            restart_after_s=options.restart_after_s,
            shared_mock=mock,
            locust_reports=options.reports,
        )
    except LoadTestError as exc:
        raise CouldNotRun(f"could not run: {exc}") from None
    result.summary.plan = {**(result.summary.plan or {}), "min_requests": options.min_requests}
    label = "virtual users (scenario-equivalent)"
    write_run(run_dir, result, scenario, options.plots, population_label=label)
    write_transaction_latencies(run_dir, result.transaction_latencies)
    if options.reports:
        write_closing_files(run_dir, stopwatch, plan.run_seed)
    else:
        write_provenance(run_dir, stopwatch, plan.run_seed)
    _check_measured(options, plan, result.summary, run_dir)
    return LoadTestRun(run_dir, scenario, plan, result)

"""The ``validate`` job: does the model predict what the system does?

For each load level (a fraction of the scenario's peak, held as a plateau,
:mod:`peakload.app.plateau`) it predicts the experiment with the simulation
of the very plan the load test will run (``R`` replications, the model
``MODEL.toml``), runs that load test (against the mock, which may emulate
another scenario, the truth: ``serve_scenario_path``; or against ``host``),
and compares them figure by figure (:mod:`peakload.measure.validation`:
rows, bounds, batch means, verdicts). When the model has ``[[failures]]``,
one more experiment follows the levels: the scenario's own day with its
failure drill, predicted and measured the same way (:mod:`peakload.app.drill`).
Writes ``validation.json``, a plot and the plateau scenarios into one run
directory, with each experiment's simulation and load test beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from loadtests.run_files import read_raw
from peakload.app import validation_files
from peakload.app.drill import compare_drill, plan_drill, steady_truth
from peakload.app.errors import CouldNotRun, JobError
from peakload.app.loadtest import (
    LoadTestOptions,
    LoadTestRun,
    loadtest,
    plan_for,
    scenario_requests,
)
from peakload.app.plateau import COMPRESS, Plateau, build_plateau, default_user_scale
from peakload.app.provenance import Stopwatch, write_provenance
from peakload.app.rundir import copy_scenario, new_run_dir
from peakload.app.simulate import SimulateOptions, SimulationRun, simulate
from peakload.app.validation_run import (
    DrillPlan,
    LevelResult,
    Planned,
    ValidateOptions,
    ValidationRun,
)
from peakload.core.plan import Plan
from peakload.core.scenario_file import load_scenario
from peakload.measure.calibration import tier_file
from peakload.measure.counter_batches import BATCHES, counter_batches
from peakload.measure.validation import (
    MIN_TRANSACTION_REQUESTS,
    Bounds,
    BoundsError,
    batch_means,
    batch_summaries,
    compare_level,
    figures,
    judged_transactions,
    load_bounds,
    measured_estimates,
    replication_estimates,
)

TOO_FEW = 0.5
"""A level that measured fewer than this fraction of its planned requests cannot be judged."""


def plan_validation(options: ValidateOptions, run_dir: Path) -> Planned:
    """Each level's plateau scenario (written into ``run_dir``) and its plan, and
    the drill's (:func:`peakload.app.drill.plan_drill`)."""
    if not options.levels or any(not 0 < level <= 10 for level in options.levels):
        raise JobError(f"--levels: fractions of the peak in (0, 10] (got {options.levels})")
    model = load_scenario(options.scenario_path)  # a bad file fails here, with its message
    if options.serve_scenario_path is not None:
        load_scenario(options.serve_scenario_path)
    scale = options.user_scale or default_user_scale(model)
    return Planned(
        _plan_levels(options, scale, run_dir), plan_drill(options, model, scale, run_dir)
    )


def _plan_levels(
    options: ValidateOptions, scale: float, run_dir: Path
) -> list[tuple[Plateau, Plan]]:
    out = []
    for level in options.levels:
        try:
            plateau = build_plateau(
                options.scenario_path,
                level,
                run_dir,
                scale,
                options.min_requests,
                options.warmup_s,
            )
        except ValueError as exc:
            raise JobError(str(exc)) from None
        plan = plan_for(_loadtest_options(options, plateau, scale, run_dir))
        out.append((plateau, plan))
    return out


def _loadtest_options(
    options: ValidateOptions, plateau: Plateau, scale: float, run_dir: Path
) -> LoadTestOptions:
    truth = options.serve_scenario_path
    return LoadTestOptions(
        scenario_path=plateau.path,
        host=options.host,
        serve_scenario_path=None if truth is None else steady_truth(truth, run_dir),
        requests_path=options.requests_path or scenario_requests(options.scenario_path),
        compress=COMPRESS,
        user_scale=scale,
        seed=options.seed,
        out=run_dir,
        plots=options.plots,
    )


def validate(
    options: ValidateOptions,
    progress: Callable[[float], None] | None = None,
    planned: Planned | None = None,
    run_dir: Path | None = None,
) -> ValidationRun:
    """Run every level, then the drill, and compare; ``progress`` gets the wall
    seconds of load testing done (the total is :attr:`Planned.seconds`)."""
    stopwatch = Stopwatch()
    if options.host and options.serve_scenario_path:
        raise JobError("--serve-scenario needs the mock validate starts; it cannot go with --host")
    try:
        bounds = load_bounds(options.bounds_path)
    except BoundsError as exc:
        raise JobError(str(exc)) from None
    if run_dir is None:
        run_dir = new_run_dir(options.out, "validation", load_scenario(options.scenario_path).name)
    copy_scenario(run_dir, options.scenario_path)  # the model, for the page's assumptions
    planned = planned or plan_validation(options, run_dir)
    run = ValidationRun(run_dir, bounds)
    done = 0.0

    def advance_from(base: float) -> Callable[[float], None]:
        def advance(wall: float) -> None:
            if progress is not None:
                progress(base + wall)

        return advance

    for plateau, plan in planned.levels:
        simulation = _simulate_plan(options, plateau.path, plan, run_dir)
        measured = loadtest(
            _loadtest_options(options, plateau, plan.user_scale, run_dir),
            plan,
            advance_from(done),
        )
        done += plan.setup_s + plan.wall_duration_s
        run.levels.append(_compare(plateau, plan, simulation, measured, bounds, options))
    if isinstance(planned.drill, DrillPlan):
        drill = planned.drill
        simulation = _simulate_plan(options, options.scenario_path, drill.plan, run_dir)
        measured = loadtest(drill.options, drill.plan, advance_from(done))
        run.drill = compare_drill(drill, simulation, measured, bounds)
    else:
        run.drill_skipped = planned.drill
    validation_files.write_document(run_dir, validation_files.document(run, options))
    if options.plots:
        validation_files.plot_validation(run, run_dir / "validation.png")
    served = options.serve_scenario_path
    write_provenance(
        run_dir,
        stopwatch,
        options.seed,
        **({"host": options.host} if options.host else {}),
        **({"serve_scenario": str(served)} if served else {}),
    )
    validation_files.write_validation_report(run, load_scenario(options.scenario_path).name)
    return run


def _simulate_plan(
    options: ValidateOptions, scenario_path: str | Path, plan: Plan, run_dir: Path
) -> SimulationRun:
    """The simulation of ``plan`` as run (``R`` replications): the prediction."""
    return simulate(
        SimulateOptions(
            scenario_path,
            replications=options.replications,
            seed=options.seed,
            jobs=options.jobs or 1,  # serial: an experiment's replications take seconds
            out=run_dir,
            plots=options.plots,
            compress=plan.compress,
            user_scale=plan.user_scale,
            window=plan.window,
        )
    )


def _compare(
    plateau: Plateau,
    plan: Plan,
    simulation: SimulationRun,
    measured: LoadTestRun,
    bounds: Bounds,
    options: ValidateOptions,
) -> LevelResult:
    summary = measured.summary.to_dict()
    count = summary["overall"]["requests"]
    planned = plateau.expected_rps * plateau.window_s
    if count < TOO_FEW * min(planned, options.min_requests):
        raise CouldNotRun(
            f"level {plateau.level:g} measured {count} requests in its window, fewer than "
            f"{TOO_FEW:.0%} of the {min(planned, options.min_requests):.0f} planned: the "
            f"system or the generator did not keep up (see {measured.run_dir})"
        )
    transactions = judged_transactions(summary, MIN_TRANSACTION_REQUESTS)
    predicted = replication_estimates(
        [r.to_dict() for r in simulation.result.replications], transactions
    )
    batches, tiers = measured_batches(measured, plan)
    measured_figures = measured_estimates(summary, transactions, batches, tiers)
    kinds = {m: kind for m, (kind, _) in figures(summary, transactions).items()}
    rows = compare_level(plateau.level, predicted, measured_figures, kinds, bounds)
    return LevelResult(plateau, plan, simulation, measured, rows)


def measured_batches(
    measured: LoadTestRun, plan: Plan
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[float]]]]:
    """The measured window's batches: request summaries from the raw per-request
    records, tier utilization from the per-minute series, and tier mean response
    from the server's counters (``tiers.csv``), where the run kept them."""
    summary = measured.summary.to_dict()
    w0, w1 = summary["window_s"]
    raw = read_raw(measured.run_dir)
    records = raw.records
    timebase = raw.timebase(plan)
    end = timebase.clock(records["end"])
    names = [t.name for t in plan.scenario.transactions]
    batches = batch_summaries(
        end,
        records["response"],
        records["outcome"],
        records["transaction"].astype(int),
        names,
        (w0, w1),
        (w1 - w0) / plan.compress,
        BATCHES,
    )
    series = measured.result.timeseries
    inside = (series["time_s"] >= w0) & (series["time_s"] < w1)
    tiers: dict[str, dict[str, list[float]]] = {
        name: {"utilization": batch_means(series[f"util_{name}"][inside])}
        for name in summary.get("tiers", {})
        if f"util_{name}" in series
    }
    counters_file = measured.run_dir / tier_file.FILENAME
    if counters_file.is_file():
        for name, figures_of_tier in tiers.items():
            counters = tier_file.read_counters(counters_file, name)
            if len(counters["wall"]):
                clock = np.asarray(timebase.clock(counters["wall"]), dtype=float)
                response = counter_batches(clock, counters, [(w0, w1)], plan.compress)
                figures_of_tier["mean_response_s"] = response["mean_response_s"]
    return batches, tiers

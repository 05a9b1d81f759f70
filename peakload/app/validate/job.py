"""The ``validate`` job: does the model predict what the system does?

For each load level (a fraction of the scenario's peak, held as a plateau,
:mod:`peakload.app.validate.plateau`) it predicts the experiment with the simulation
of the very plan the load test will run (``R`` replications, the model
``MODEL.toml``), runs that load test (against the mock, which may emulate
another scenario, the truth: ``serve_scenario_path``; or against ``host``),
and compares them figure by figure (:mod:`peakload.measure.validation`:
rows, bounds, batch means, verdicts). When the model has ``[[failures]]``,
one more experiment follows the levels: the scenario's own day with its
failure drill, predicted and measured the same way (:mod:`peakload.app.validate.drill`).
Writes ``validation.json``, a plot and the plateau scenarios into one run
directory, with each experiment's simulation and load test beside them.

A validation that could have failed (:mod:`peakload.measure.precision`):

1. **the prediction** replicates the as-run simulation until each row that
   matters has a half-width of at most a quarter of its bound (or an eighth,
   when that is cheap), or ``--predict-seconds`` of replications are spent
   (:mod:`peakload.app.validate.prediction`);
2. **a pilot** per level: the plateau held for ``--min-requests``; its batch
   means say how long the level's window must be for each row that matters
   to be decisive;
3. **the sized plateaus**: the budget left of ``--max-minutes`` (after the
   drill's known cost) buys as many decided rows as it can
   (:func:`peakload.app.validate.budget.allocate`);
   a sized level runs again for what its rows need beyond the pilot's window,
   and the two windows are pooled (:mod:`peakload.app.validate.level_measurement`).
   Rows still undecided are named with the window that would decide them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.loadtest.job import LoadTestOptions, loadtest, plan_for, scenario_requests
from peakload.app.provenance import Stopwatch, write_provenance
from peakload.app.run_dir import copy_scenario, new_run_dir
from peakload.app.validate.budget import allocate, load_test_cost, needed_windows
from peakload.app.validate.charts import plot_validation
from peakload.app.validate.document import document, write_document
from peakload.app.validate.drill import compare_drill, plan_drill, steady_truth
from peakload.app.validate.judging import judge_level, judge_pilot
from peakload.app.validate.page import write_validation_report
from peakload.app.validate.plateau import COMPRESS, Plateau, build_plateau, default_user_scale
from peakload.app.validate.prediction import Context, predict, simulate_plan
from peakload.app.validate.run import (
    DrillPlan,
    LevelResult,
    Planned,
    ValidateOptions,
    ValidationRun,
)
from peakload.core.plan import Plan
from peakload.core.scenario_file import load_scenario
from peakload.measure.validation import BoundsError, load_bounds

RESERVE_S = 30.0
"""Wall seconds kept back from the budget for the simulations and the report."""


def plan_validation(options: ValidateOptions, run_dir: Path) -> Planned:
    """Each level's plateau scenario (written into ``run_dir``) and its plan, and
    the drill's (:func:`peakload.app.validate.drill.plan_drill`)."""
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
    for index, level in enumerate(options.levels):
        try:
            plateau = build_plateau(
                options.scenario_path,
                level,
                run_dir,
                scale,
                options.min_requests,
                options.warmup_s,
                min_window_s=options.min_window_s,
            )
        except ValueError as exc:
            raise JobError(str(exc)) from None
        seed = load_test_seed(options, index, sized=False)
        plan = plan_for(_loadtest_options(options, plateau, scale, run_dir, seed))
        out.append((plateau, plan))
    return out


def load_test_seed(options: ValidateOptions, index: int, sized: bool) -> int:
    """The seed of level ``index``'s pilot (or, ``sized``, its sized plateau): ``--seed``
    (default the scenario's own) plus ``2 index + sized``.

    Each load test draws its users' think times and the mock its service times from
    its run's seed. One seed for every run would replay the same draws: the sized
    plateau would repeat its pilot's luck, so pooling the two would add requests but
    not independent ones, and every level's count would share one sample's luck
    (the April day's six windows all drew their thinks long, by 1.1 to 2.7 standard
    errors, on one seed)."""
    base = options.seed if options.seed is not None else _scenario_seed(options)
    return base + 2 * index + int(sized)


def _scenario_seed(options: ValidateOptions) -> int:
    return load_scenario(options.scenario_path).scenario.seed


def _loadtest_options(
    options: ValidateOptions, plateau: Plateau, scale: float, run_dir: Path, seed: int | None
) -> LoadTestOptions:
    truth = options.serve_scenario_path
    return LoadTestOptions(
        scenario_path=plateau.path,
        host=options.host,
        serve_scenario_path=None if truth is None else steady_truth(truth, run_dir),
        requests_path=options.requests_path or scenario_requests(options.scenario_path),
        compress=COMPRESS,
        user_scale=scale,
        seed=seed,
        out=run_dir,
        plots=options.plots,
        busy_map_path=options.busy_map_path,
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
    if options.busy_map_path and not options.host:
        raise JobError("--busy-time reads a real service's busy time: it needs --host")
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
    run = ValidationRun(run_dir, bounds, min_window_s=options.min_window_s)
    done = 0.0

    def advance_from(base: float) -> Callable[[float], None]:
        def advance(wall: float) -> None:
            if progress is not None:
                progress(base + wall)

        return advance

    started = time.monotonic()
    context = Context.of(options)
    run.calibration = context.calibration.path if context.calibration else None
    for plateau, plan in planned.levels:  # the pilots, each with its prediction (and seed)
        simulation = predict(options, plateau, plan, run_dir, bounds, context)
        measured = loadtest(
            _loadtest_options(options, plateau, plan.user_scale, run_dir, plan.seed),
            plan,
            advance_from(done),
        )
        done += plan.setup_s + plan.wall_duration_s
        run.levels.append(
            judge_pilot(plateau, plan, simulation, measured, bounds, options, context)
        )
    drill_s = load_test_cost(planned.drill.plan) if isinstance(planned.drill, DrillPlan) else 0.0
    budget = options.max_minutes * 60 - (time.monotonic() - started) - drill_s - RESERVE_S
    for index, window in allocate(run.levels, bounds, options, context, budget):
        pilot = run.levels[index]
        plateau = _sized_plateau(options, pilot.plateau, window, run_dir)
        seed = load_test_seed(options, index, sized=True)
        plan = plan_for(_loadtest_options(options, plateau, pilot.plan.user_scale, run_dir, seed))
        measured = loadtest(
            _loadtest_options(options, plateau, plan.user_scale, run_dir, seed),
            plan,
            advance_from(done),
        )
        done += plan.setup_s + plan.wall_duration_s
        level = LevelResult(plateau, plan, pilot.simulation, measured, [])
        level.pilot, level.pilot_plan = pilot.measurement, pilot.plan
        run.levels[index] = judge_level(level, bounds, options, context)
    for level in run.levels:
        level.needed = needed_windows(level, bounds, options, context)
    if isinstance(planned.drill, DrillPlan):
        drill = planned.drill
        simulation = simulate_plan(options, options.scenario_path, drill.plan, run_dir)
        measured = loadtest(drill.options, drill.plan, advance_from(done))
        run.drill = compare_drill(drill, simulation, measured, bounds)
    else:
        run.drill_skipped = planned.drill
    write_document(run_dir, document(run, options))
    if options.plots:
        plot_validation(run, run_dir / "validation.png")
    served = options.serve_scenario_path
    write_provenance(
        run_dir,
        stopwatch,
        options.seed,
        **({"host": options.host} if options.host else {}),
        **({"serve_scenario": str(served)} if served else {}),
    )
    write_validation_report(run, load_scenario(options.scenario_path).name)
    return run


def _sized_plateau(
    options: ValidateOptions, pilot: Plateau, window_s: float, run_dir: Path
) -> Plateau:
    try:
        return build_plateau(
            options.scenario_path,
            pilot.level,
            run_dir,
            _user_scale(options),
            options.min_requests,
            options.warmup_s,
            window_s=window_s,
            suffix="-sized",
            min_window_s=options.min_window_s,
        )
    except ValueError as exc:
        raise JobError(str(exc)) from None


def _user_scale(options: ValidateOptions) -> float:
    return options.user_scale or default_user_scale(load_scenario(options.scenario_path))

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
   when that is cheap), or :data:`PREDICT_BUDGET_S` is spent;
2. **a pilot** per level: the plateau held for ``--min-requests``; its batch
   means say how long the level's window must be for each row that matters
   to be decisive;
3. **the sized plateaus**: the budget left of ``--max-minutes`` (after the
   drill's known cost) buys as many decided rows as it can (:func:`_allocate`);
   a sized level runs again for what its rows need beyond the pilot's window,
   and the two windows are pooled (:mod:`peakload.app.validate.level_measurement`).
   Rows still undecided are named with the window that would decide them.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peakload.app.errors import CouldNotRun, JobError
from peakload.app.loadtest.job import (
    LoadTestOptions,
    LoadTestRun,
    loadtest,
    plan_for,
    scenario_requests,
)
from peakload.app.provenance import Stopwatch, write_provenance
from peakload.app.run_dir import copy_scenario, new_run_dir
from peakload.app.simulate.job import SimulateOptions, SimulationRun, simulate
from peakload.app.validate import files as validation_files
from peakload.app.validate.drill import compare_drill, plan_drill, steady_truth
from peakload.app.validate.level_measurement import Segment, measure
from peakload.app.validate.plateau import (
    COMPRESS,
    MIN_WINDOW_S,
    Plateau,
    build_plateau,
    default_user_scale,
)
from peakload.app.validate.run import (
    DrillPlan,
    LevelResult,
    Planned,
    ValidateOptions,
    ValidationRun,
)
from peakload.core.plan import Plan
from peakload.core.scenario_file import load_scenario
from peakload.measure.precision import measured_target, scaled_length
from peakload.measure.validation import (
    MATTERS_SHARE,
    MIN_TRANSACTION_REQUESTS,
    Bounds,
    BoundsError,
    compare_level,
    figures,
    judged_transactions,
    load_bounds,
    matters,
    measured_estimates,
    replication_estimates,
)

TOO_FEW = 0.5
"""A level that measured fewer than this fraction of its planned requests cannot be judged."""
PREDICTION_TARGET = 0.25
"""Replicate until each row that matters has a predicted half-width of at most this
fraction of its bound (the issue asks for a third)..."""
PREDICTION_CHEAP = 0.125
"""...and on to this fraction while it stays within :data:`PREDICT_BUDGET_S`: the
smaller the prediction's half-width, the shorter the measured window may be."""
PREDICT_BUDGET_S = 60.0
"""Wall seconds of replications a level's prediction may take."""
MAX_REPLICATIONS = 400
SIZING_MIN_REQUESTS = 30
"""A pilot sizes a transaction's rows from this many requests (its own rows need
:data:`~peakload.measure.validation.MIN_TRANSACTION_REQUESTS`)."""
MIN_GAIN = 0.5
"""A sized plateau is run only when it adds at least this many times the pilot's window
(and at least :data:`~peakload.app.validate.plateau.MIN_WINDOW_S`)."""
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
    run = ValidationRun(run_dir, bounds)
    done = 0.0

    def advance_from(base: float) -> Callable[[float], None]:
        def advance(wall: float) -> None:
            if progress is not None:
                progress(base + wall)

        return advance

    started = time.monotonic()
    context = _Context.of(options)
    for plateau, plan in planned.levels:  # the pilots, each with its prediction
        simulation = _predict(options, plateau, plan, run_dir, bounds, context)
        measured = loadtest(
            _loadtest_options(options, plateau, plan.user_scale, run_dir),
            plan,
            advance_from(done),
        )
        done += plan.setup_s + plan.wall_duration_s
        run.levels.append(_compare(plateau, plan, simulation, measured, bounds, options, context))
    drill_s = _cost(planned.drill.plan) if isinstance(planned.drill, DrillPlan) else 0.0
    budget = options.max_minutes * 60 - (time.monotonic() - started) - drill_s - RESERVE_S
    for index, window in _allocate(run.levels, bounds, options, context, budget):
        pilot = run.levels[index]
        plateau = _sized_plateau(options, pilot.plateau, window, run_dir)
        plan = plan_for(_loadtest_options(options, plateau, pilot.plan.user_scale, run_dir))
        measured = loadtest(
            _loadtest_options(options, plateau, plan.user_scale, run_dir),
            plan,
            advance_from(done),
        )
        done += plan.setup_s + plan.wall_duration_s
        level = LevelResult(plateau, plan, pilot.simulation, measured, [])
        level.pilot, level.pilot_plan = pilot.measurement, pilot.plan
        run.levels[index] = _judge(level, bounds, options, context)
    for level in run.levels:
        level.needed = _needed_windows(level, bounds, options, context)
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
    options: ValidateOptions,
    scenario_path: str | Path,
    plan: Plan,
    run_dir: Path,
    replications: int | None = None,
) -> SimulationRun:
    """The simulation of ``plan`` as run (``R`` replications): the prediction."""
    return simulate(
        SimulateOptions(
            scenario_path,
            replications=replications or options.replications,
            seed=options.seed,
            jobs=options.jobs or 1,  # serial: an experiment's replications take seconds
            out=run_dir,
            plots=options.plots,
            compress=plan.compress,
            user_scale=plan.user_scale,
            window=plan.window,
        )
    )


@dataclass(frozen=True)
class _Context:
    """What every level's comparison needs to know of the model: its transactions'
    shares of requests (which rows matter) and its delay tiers."""

    shares: dict[str, float]
    delay_tiers: tuple[str, ...]

    @classmethod
    def of(cls, options: ValidateOptions) -> _Context:
        model = load_scenario(options.scenario_path)
        delays = tuple(t.name for t in model.tiers if t.is_delay)
        return cls(model.step_shares(), delays)

    @property
    def heavy(self) -> list[str]:
        """Transactions whose mean must be decisive."""
        return [name for name, share in self.shares.items() if share >= MATTERS_SHARE]


def _predict(
    options: ValidateOptions,
    plateau: Plateau,
    plan: Plan,
    run_dir: Path,
    bounds: Bounds,
    context: _Context,
) -> SimulationRun:
    """The level's prediction, replicated until each row that matters is precise
    (:data:`PREDICTION_TARGET`, then :data:`PREDICTION_CHEAP` within the budget)."""
    clock = time.monotonic()
    simulation = _simulate_plan(options, plateau.path, plan, run_dir)
    done = len(simulation.result.replications)
    # The replications' own time: the run's writing and plots are paid once, not per one.
    walls = [r.wall_s for r in simulation.result.replications if r.wall_s]
    spent = sum(walls) if walls else time.monotonic() - clock
    replications = [r.to_dict() for r in simulation.result.replications]
    estimates = replication_estimates(replications, context.heavy)
    kinds = {m: kind for m, (kind, _) in figures(replications[0], context.heavy).items()}
    needed = {PREDICTION_TARGET: float(done), PREDICTION_CHEAP: float(done)}
    for metric, estimate in estimates.items():
        if metric not in kinds or not matters(metric, context.shares, context.delay_tiers):
            continue
        bound = bounds.allowed(metric, kinds[metric], estimate.value)
        for fraction in needed:
            needed[fraction] = max(
                needed[fraction], scaled_length(estimate.ci95, fraction * bound, done)
            )
    affordable = done * PREDICT_BUDGET_S / max(spent, 1e-3)
    wanted = needed[PREDICTION_CHEAP] if needed[PREDICTION_CHEAP] <= affordable else None
    if wanted is None:
        wanted = min(needed[PREDICTION_TARGET], affordable)
    total = min(MAX_REPLICATIONS, math.ceil(wanted)) if math.isfinite(wanted) else done
    if total <= done:
        return simulation
    shutil.rmtree(simulation.run_dir, ignore_errors=True)  # the longer run includes its seeds
    return _simulate_plan(options, plateau.path, plan, run_dir, total)


def _cost(plan: Plan) -> float:
    """Wall seconds a load test of ``plan`` takes."""
    return plan.setup_s + plan.wall_duration_s


def _needed_windows(
    level: LevelResult, bounds: Bounds, options: ValidateOptions, context: _Context
) -> dict[str, float]:
    """metric -> the wall window each row that matters and is not decisive needs,
    from this level's own batch means (a transaction with too few requests for a row
    is sized from the :data:`SIZING_MIN_REQUESTS` it has)."""
    rows = level.rows
    missing = set(level.missing)
    if missing:
        rows = rows + [
            r for r in _rows(level, bounds, context, SIZING_MIN_REQUESTS) if r.metric in missing
        ]
    window = level.window_s
    out = {}
    for row in rows:
        if not row.matters or row.decisive or row.failed:
            continue
        target = measured_target(row.bound, row.predicted.ci95, bounds.decisive)
        out[row.metric] = scaled_length(row.measured.ci95, target, window)
    for metric in missing - set(out):
        out[metric] = math.inf
    return out


def _allocate(
    levels: list[LevelResult],
    bounds: Bounds,
    options: ValidateOptions,
    context: _Context,
    budget_s: float,
) -> list[tuple[int, float]]:
    """Which levels run a sized plateau, and the window (wall s) it adds to its pilot's
    (the two are pooled): as many rows that matter decided as the budget buys.

    Each undecided row needs a window (:func:`_needed_windows`); a level's sized
    plateau costs its window plus one setup and warm-up. Greedy on rows decided
    per wall second: each step takes the level and window that decide the most
    rows per second of budget, until no step fits. What is left then lengthens
    the level whose next row is nearest, when that adds at least a minute and
    :data:`MIN_GAIN` times the pilot's window: a row not decided is still
    narrowed."""
    wants: dict[int, tuple[list[float], float]] = {}
    for index, level in enumerate(levels):
        needed = _needed_windows(level, bounds, options, context)
        pilot = level.window_s
        # A row with no estimate (too few requests for one): four times the window.
        windows = [w if math.isfinite(w) else 4 * pilot for w in needed.values()]
        extras = sorted(max(MIN_WINDOW_S, w - pilot) for w in windows)
        if extras:
            wants[index] = (extras, level.plan.setup_s + level.plateau.warmup_s)
    chosen: dict[int, float] = {}
    while True:
        best: tuple[float, int, float, float] | None = None
        for index, (extras, overhead) in wants.items():
            current = chosen.get(index, 0.0)
            done = sum(e <= current for e in extras)
            for extra in extras:
                cost = extra - current + (0.0 if index in chosen else overhead)
                if extra <= current or cost > budget_s:
                    continue
                ratio = (sum(e <= extra for e in extras) - done) / cost
                if best is None or ratio > best[0]:
                    best = (ratio, index, extra, cost)
        if best is None:
            break
        _, index, extra, cost = best
        chosen[index] = extra
        budget_s -= cost
    nearest = sorted(
        (min(e for e in extras if e > chosen.get(index, 0.0)), index)
        for index, (extras, _) in wants.items()
        if any(e > chosen.get(index, 0.0) for e in extras)
    )
    if nearest:
        _, index = nearest[0]
        current = chosen.get(index, 0.0)
        overhead = 0.0 if index in chosen else wants[index][1]
        longer = current + budget_s - overhead
        if longer - current >= max(MIN_WINDOW_S, MIN_GAIN * levels[index].plateau.window_s):
            chosen[index] = longer
    return sorted(chosen.items())


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
        )
    except ValueError as exc:
        raise JobError(str(exc)) from None


def _user_scale(options: ValidateOptions) -> float:
    return options.user_scale or default_user_scale(load_scenario(options.scenario_path))


def _rows(level: LevelResult, bounds: Bounds, context: _Context, minimum: int) -> list:
    """The level's rows with transactions of at least ``minimum`` measured requests:
    its pilot and its sized plateau pooled, when it has both."""
    segments = [Segment(level.measurement, level.plan)]
    if level.pilot is not None and level.pilot_plan is not None:
        segments.insert(0, Segment(level.pilot, level.pilot_plan))
    measured = measure(segments)
    summary = measured.summary
    level.requests = int(summary["overall"]["requests"])
    transactions = judged_transactions(summary, minimum)
    predicted = replication_estimates(
        [r.to_dict() for r in level.simulation.result.replications], transactions
    )
    measured_figures = measured_estimates(summary, transactions, measured.batches, measured.tiers)
    kinds = {m: kind for m, (kind, _) in figures(summary, transactions).items()}
    outside = measured.outside
    return compare_level(
        level.plateau.level,
        predicted,
        measured_figures,
        kinds,
        bounds,
        context.shares,
        context.delay_tiers,
        outside,
    )


def _compare(
    plateau: Plateau,
    plan: Plan,
    simulation: SimulationRun,
    measured: LoadTestRun,
    bounds: Bounds,
    options: ValidateOptions,
    context: _Context,
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
    return _judge(LevelResult(plateau, plan, simulation, measured, []), bounds, options, context)


def _judge(
    level: LevelResult, bounds: Bounds, options: ValidateOptions, context: _Context
) -> LevelResult:
    """The level's rows, and the rows that matter it has none for."""
    level.rows = _rows(level, bounds, context, MIN_TRANSACTION_REQUESTS)
    present = {r.metric for r in level.rows}
    summary = level.measurement.summary.to_dict()
    expected = ["overall.throughput_rps"] + [f"transactions.{t}.mean_s" for t in context.heavy]
    expected += [
        f"tiers.{t}.utilization" for t in summary.get("tiers", {}) if t not in context.delay_tiers
    ]
    level.missing = [m for m in expected if m not in present]
    return level

"""How long each level's sized plateau runs: the windows its undecided rows need (from the
pilot's own batch means), bought greedily from what is left of ``--max-minutes``."""

from __future__ import annotations

import math

from peakload.app.validate.judging import level_rows
from peakload.app.validate.model_spread import controlled_spread, model_window
from peakload.app.validate.plateau import shortest_window
from peakload.app.validate.prediction import Context
from peakload.app.validate.run import LevelResult, ValidateOptions
from peakload.core.plan import Plan
from peakload.measure.precision import measured_target, scaled_length
from peakload.measure.validation import Bounds

SIZING_MIN_REQUESTS = 30
"""A pilot sizes a transaction's rows from this many requests (its own rows need
:data:`~peakload.measure.validation.MIN_TRANSACTION_REQUESTS`)."""
MIN_GAIN = 0.5
"""A sized plateau is run only when it adds at least this many times the pilot's window
(and at least a window's shortest, :func:`~peakload.app.validate.plateau.shortest_window`)."""


def load_test_cost(plan: Plan) -> float:
    """Wall seconds a load test of ``plan`` takes."""
    return plan.setup_s + plan.wall_duration_s


def needed_windows(
    level: LevelResult, bounds: Bounds, options: ValidateOptions, context: Context
) -> dict[str, float]:
    """metric -> the wall window each row that matters and is not decisive needs,
    from this level's own batch means (a transaction with too few requests for a row
    is sized from the :data:`SIZING_MIN_REQUESTS` it has), and for a transaction's
    mean at least what the model's spread between windows says
    (:mod:`peakload.app.validate.model_spread`); NaN for a row whose prediction
    alone is too wide to be decisive, which no window decides."""
    rows = level.rows
    missing = set(level.missing)
    if missing:
        rows = rows + [
            r
            for r in level_rows(level, bounds, context, SIZING_MIN_REQUESTS)
            if r.metric in missing
        ]
    window = level.window_s
    out = {}
    for row in rows:
        if not row.matters or row.decisive or row.failed:
            continue
        target = measured_target(row.bound, row.predicted.ci95, bounds.decisive)
        if target == 0 or not math.isfinite(row.predicted.ci95):
            # The prediction alone is too wide (a calibrated model's demands, known to
            # their intervals): no window decides it, so none is bought for it.
            out[row.metric] = math.nan
            continue
        out[row.metric] = max(
            scaled_length(row.measured.ci95, target, window),
            _model_window(level, row.metric, target, context),
        )
    for metric in missing - set(out):
        out[metric] = math.inf
    return out


def _model_window(level: LevelResult, metric: str, target: float, context: Context) -> float:
    """The window a transaction's mean row needs by the model's own spread between
    windows (:mod:`peakload.app.validate.model_spread`): a floor under the pilot's
    batch-means estimate, 0 for any other row or without enough replications."""
    parts = metric.split(".")
    if len(parts) != 3 or parts[0] != "transactions" or parts[2] != "mean_s":
        return 0.0
    if context.model is None:
        return 0.0
    name = parts[1]
    result = level.simulation.result
    figures = [r.transactions.get(name) for r in result.replications]
    known = [f for f in figures if f is not None and f.mean_s is not None]
    means, counts = [float(f.mean_s) for f in known], [float(f.count) for f in known]
    draws_out = level.drawn_share >= 0.5  # the mock said its draws: the means are controlled
    spread = controlled_spread(means, counts, context.model, name, draws_out)
    w0, w1 = result.summary.window_s or (0.0, 0.0)
    simulated = level.pilot_plan or level.plan  # the prediction simulates the pilot's plan
    return model_window(spread, target, (w1 - w0) / simulated.compress)


def allocate(
    levels: list[LevelResult],
    bounds: Bounds,
    options: ValidateOptions,
    context: Context,
    budget_s: float,
) -> list[tuple[int, float]]:
    """Which levels run a sized plateau, and the window (wall s) it adds to its pilot's
    (the two are pooled): as many rows that matter decided as the budget buys.

    Each undecided row needs a window (:func:`needed_windows`); a level's sized
    plateau costs its window plus one setup and warm-up. Greedy on rows decided
    per wall second: each step takes the level and window that decide the most
    rows per second of budget, until no step fits. What is left then lengthens
    the level whose next row is nearest, when that adds at least the shortest
    window (``--min-window``) and :data:`MIN_GAIN` times the pilot's window: a row
    not decided is still narrowed."""
    shortest = shortest_window(options.min_window_s)
    wants: dict[int, tuple[list[float], float]] = {}
    for index, level in enumerate(levels):
        needed = needed_windows(level, bounds, options, context)
        pilot = level.window_s
        # A row with no estimate (too few requests for one): four times the window.
        windows = [
            w if math.isfinite(w) else 4 * pilot for w in needed.values() if not math.isnan(w)
        ]
        extras = sorted(max(shortest, w - pilot) for w in windows)
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
        if longer - current >= max(shortest, MIN_GAIN * levels[index].plateau.window_s):
            chosen[index] = longer
    return sorted(chosen.items())

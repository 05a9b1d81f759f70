"""A level judged: its measured figures (the pilot and its sized plateau pooled) against
its prediction, row by row, and the rows that matter it has no figure for."""

from __future__ import annotations

import math

import numpy as np

from peakload.app.errors import CouldNotRun
from peakload.app.loadtest.job import LoadTestRun
from peakload.app.simulate.job import SimulationRun
from peakload.app.validate.level_measurement import Segment, measure
from peakload.app.validate.plateau import Plateau
from peakload.app.validate.prediction import Context
from peakload.app.validate.run import LevelResult, ValidateOptions
from peakload.core.plan import Plan
from peakload.core.workload import OpenWorkload
from peakload.measure.validation import (
    MIN_MEAN_REQUESTS,
    MIN_TRANSACTION_REQUESTS,
    Bounds,
    Estimate,
    compare_level,
    figures,
    judged_transactions,
    measured_estimates,
    replication_estimates,
    with_pooled_quantiles,
)
from simulation.input_uncertainty import InputInterval, OperatingPoint, input_intervals

TOO_FEW = 0.5
"""A level that measured fewer than this fraction of its planned requests cannot be judged."""


def level_rows(level: LevelResult, bounds: Bounds, context: Context, minimum: int) -> list:
    """The level's rows with transactions of at least ``minimum`` measured requests
    (a mean row from :data:`MIN_MEAN_REQUESTS` on): its pilot and its sized plateau
    pooled, when it has both."""
    segments = [Segment(level.measurement, level.plan)]
    if level.pilot is not None and level.pilot_plan is not None:
        segments.insert(0, Segment(level.pilot, level.pilot_plan))
    measured = measure(segments)
    summary = measured.summary
    level.requests = int(summary["overall"]["requests"])
    level.drawn_share = measured.drawn_share
    transactions = judged_transactions(summary, min(minimum, MIN_MEAN_REQUESTS))
    means_only = set(transactions) - set(judged_transactions(summary, minimum))
    result = level.simulation.result
    predicted = replication_estimates([r.to_dict() for r in result.replications], transactions)
    predicted = with_pooled_quantiles(predicted, result.sketches)
    predicted = with_input_uncertainty(predicted, level, context)
    measured_figures = measured_estimates(
        summary, transactions, measured.batches, measured.tiers, measured.think, measured.busy
    )
    kinds = {m: kind for m, (kind, _) in figures(summary, transactions).items()}
    outside = measured.outside
    rows = compare_level(
        level.plateau.level,
        predicted,
        measured_figures,
        kinds,
        bounds,
        context.shares,
        context.delay_tiers,
        outside,
    )
    return [row for row in rows if not needs_more_requests(row.metric, means_only)]


def needs_more_requests(metric: str, means_only: set[str]) -> bool:
    """A p95 or share row of a transaction with requests enough for its mean only."""
    part, _, leaf = metric.rpartition(".")
    kind, _, name = part.partition(".")
    return kind == "transactions" and name in means_only and leaf != "mean_s"


def with_input_uncertainty(
    predicted: dict[str, Estimate], level: LevelResult, context: Context
) -> dict[str, Estimate]:
    """``predicted`` widened by the calibrated demands' intervals, at the operating
    point the level's simulation found (:mod:`simulation.input_uncertainty`)."""
    if context.calibration is None or context.model is None:
        return predicted
    throughput = predicted["overall.throughput_rps"].value
    mean = predicted["overall.mean_s"].value
    if not (math.isfinite(throughput) and math.isfinite(mean)) or throughput <= 0:
        return predicted
    closed = not isinstance(context.model.workload, OpenWorkload)
    # The population the level's virtual users stand for (user_scale F: F x N users
    # thinking F x Z less the rest of their step, at the real users' rate).
    users = round(level.plan.pool_users / level.plan.user_scale) if closed else None
    point = OperatingPoint(throughput, mean, users)
    rng = np.random.default_rng(round(level.plateau.level * 1000))  # the same draws each run
    calibration = context.calibration
    relative = input_intervals(
        context.model,
        calibration.intervals,
        point,
        rng,
        joint=calibration.joint,
        run_speeds=calibration.run_speeds,
    )
    return {
        metric: _with_interval(estimate, relative[metric]) if metric in relative else estimate
        for metric, estimate in predicted.items()
    }


def _with_interval(estimate: Estimate, relative: InputInterval) -> Estimate:
    """``estimate`` with the demands' interval, relative to the figure, scaled to it."""
    size = abs(estimate.value)
    return estimate.with_input(
        relative.half_width * size, relative.below * size, relative.above * size
    )


def judge_pilot(
    plateau: Plateau,
    plan: Plan,
    simulation: SimulationRun,
    measured: LoadTestRun,
    bounds: Bounds,
    options: ValidateOptions,
    context: Context,
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
    return judge_level(
        LevelResult(plateau, plan, simulation, measured, []), bounds, options, context
    )


def judge_level(
    level: LevelResult, bounds: Bounds, options: ValidateOptions, context: Context
) -> LevelResult:
    """The level's rows, and the rows that matter it has none for."""
    level.rows = level_rows(level, bounds, context, MIN_TRANSACTION_REQUESTS)
    present = {r.metric for r in level.rows}
    summary = level.measurement.summary.to_dict()
    expected = ["overall.throughput_rps"] + [f"transactions.{t}.mean_s" for t in context.heavy]
    expected += [
        f"tiers.{t}.utilization" for t in summary.get("tiers", {}) if t not in context.delay_tiers
    ]
    level.missing = [m for m in expected if m not in present]
    return level

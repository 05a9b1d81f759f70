"""A level's prediction: the simulation of the very plan its load test runs, replicated
until each row that matters is precise enough for the measured window to decide it.

The first run's replications give each row's half-width; the number that brings it to
:data:`PREDICTION_TARGET` of its bound (or :data:`PREDICTION_CHEAP`, when that stays
within ``--predict-seconds``) follows from the half-width's fall with the root of
their number (:func:`peakload.measure.precision.scaled_length`), and the simulation
runs again with that many.
"""

from __future__ import annotations

import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from peakload.app.simulate.job import SimulateOptions, SimulationRun, simulate
from peakload.app.validate.calibration_input import CalibrationInput, find_calibration
from peakload.app.validate.plateau import Plateau
from peakload.app.validate.run import ValidateOptions
from peakload.core.plan import Plan
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from peakload.measure.precision import scaled_length
from peakload.measure.validation import (
    MATTERS_SHARE,
    Bounds,
    figures,
    matters,
    replication_estimates,
)

PREDICTION_TARGET = 0.25
"""Replicate until each row that matters has a predicted half-width of at most this
fraction of its bound (the issue asks for a third)..."""
PREDICTION_CHEAP = 0.125
"""...and on to this fraction while it stays within ``--predict-seconds``
(:attr:`ValidateOptions.predict_seconds`): the smaller the prediction's half-width, the
shorter the measured window may be."""
MAX_REPLICATIONS = 400


@dataclass(frozen=True)
class Context:
    """What every level's comparison needs to know of the model: its transactions'
    shares of requests (which rows matter) and its delay tiers."""

    shares: dict[str, float]
    delay_tiers: tuple[str, ...]
    model: Scenario | None = None
    calibration: CalibrationInput | None = None
    """The model's calibration, whose demands' intervals widen every prediction."""

    @classmethod
    def of(cls, options: ValidateOptions) -> Context:
        model = load_scenario(options.scenario_path)
        delays = tuple(t.name for t in model.tiers if t.is_delay)
        calibration = find_calibration(options.scenario_path, options.calibration_path, model)
        return cls(model.step_shares(), delays, model, calibration)

    @property
    def heavy(self) -> list[str]:
        """Transactions whose mean must be decisive."""
        return [name for name, share in self.shares.items() if share >= MATTERS_SHARE]


def simulate_plan(
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


def predict(
    options: ValidateOptions,
    plateau: Plateau,
    plan: Plan,
    run_dir: Path,
    bounds: Bounds,
    context: Context,
) -> SimulationRun:
    """The level's prediction, replicated until each row that matters is precise
    (:data:`PREDICTION_TARGET`, then :data:`PREDICTION_CHEAP` within the budget)."""
    clock = time.monotonic()
    simulation = simulate_plan(options, plateau.path, plan, run_dir)
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
    affordable = done * options.predict_seconds / max(spent, 1e-3)
    wanted = needed[PREDICTION_CHEAP] if needed[PREDICTION_CHEAP] <= affordable else None
    if wanted is None:
        wanted = min(needed[PREDICTION_TARGET], affordable)
    total = min(MAX_REPLICATIONS, math.ceil(wanted)) if math.isfinite(wanted) else done
    if total <= done:
        return simulation
    shutil.rmtree(simulation.run_dir, ignore_errors=True)  # the longer run includes its seeds
    return simulate_plan(options, plateau.path, plan, run_dir, total)

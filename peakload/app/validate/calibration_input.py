"""The calibration a model came from, so that its predictions carry its demands' intervals.

``calibrate`` writes ``calibration.json`` and the calibrated model side by side in its
run directory; ``validate`` finds the report there (or where ``--calibration`` says),
and widens every prediction by what the demands' 95 % intervals make of it
(:mod:`simulation.input_uncertainty`), drawn together as calibrate's bootstrap drew
them where the report has its joint draws, and by one run's own speed where
calibrate measured how much its runs moved. A model with no calibration beside it (a
hand-written one, a copy) is taken as exact, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from peakload.app.errors import JobError
from peakload.contract.calibration import CalibrationReport
from peakload.core.scenario import Scenario
from simulation.demand_draws import (
    DemandInterval,
    JointOffsets,
    calibration_intervals,
    calibration_joint,
    run_speeds,
)

REPORT_NAME = "calibration.json"
NO_CALIBRATION = "none"
"""``--calibration none``: take the model's demands as exact."""


@dataclass(frozen=True)
class CalibrationInput:
    """The demands' intervals of the report at ``path``, and how many demands of the
    model it leaves at their prior (no interval to add)."""

    path: Path
    intervals: tuple[DemandInterval, ...]
    at_prior: int
    joint: JointOffsets | None = None
    """The report's joint draws, which move the demands together (None: an older
    report, whose intervals are drawn each on its own)."""
    run_speeds: dict[str, float] = field(default_factory=dict)
    """Per tier of the model, the sd of one run's speed, a share of all the tier's
    work (:func:`simulation.demand_draws.run_speeds`): the measured level is one run
    more."""

    def describe(self) -> str:
        """One line for the console: where the intervals come from."""
        prior = f"; {self.at_prior} at their prior add none" if self.at_prior else ""
        how = (
            f"drawn together ({len(self.joint.offsets)} joint draws)"
            if self.joint is not None
            else "each drawn on its own (no joint draws: a wider interval)"
        )
        line = (
            f"predictions include the intervals of {len(self.intervals)} calibrated "
            f"demand(s) from {self.path}, {how}{prior}"
        )
        if self.run_speeds:
            sds = ", ".join(f"{t} {sd:.1%}" for t, sd in self.run_speeds.items())
            line += f"; and one run's own speed (sd, a share of the tier's work: {sds})"
        return line


def find_calibration(
    scenario_path: str | Path, given: str | Path | None, model: Scenario
) -> CalibrationInput | None:
    """The calibration of ``model``: ``given`` (a path, or ``none``), else the
    ``calibration.json`` beside ``scenario_path`` when there is one."""
    if given is not None and str(given) == NO_CALIBRATION:
        return None
    path = Path(given) if given is not None else Path(scenario_path).parent / REPORT_NAME
    if not path.is_file():
        if given is not None:
            raise JobError(f"--calibration {given}: no such file")
        return None
    try:
        report = CalibrationReport.model_validate_json(path.read_text())
    except (ValidationError, ValueError) as exc:
        raise JobError(f"{path}: not a calibration.json of peakload calibrate ({exc})") from None
    delay = next((tier.name for tier in model.tiers if tier.is_delay), None)
    tiers = {tier.name for tier in model.tiers}
    names = {transaction.name for transaction in model.transactions}
    every = calibration_intervals(report, delay)
    intervals = tuple(d for d in every if d.transaction in names and d.tier in tiers)
    if every and not intervals:
        raise JobError(
            f"{path}: none of its demands is one of {Path(scenario_path).name}'s transactions "
            "at its tiers: not this model's calibration (--calibration FILE names the "
            "right one, --calibration none takes the demands as exact)"
        )
    demands = sum(len(by_tier) for by_tier in report.demands.values())
    with_interval = sum(1 for d in intervals if d.tier != delay)
    speeds = {tier: sd for tier, sd in run_speeds(report).items() if tier in tiers}
    return CalibrationInput(
        path, intervals, demands - with_interval, calibration_joint(report, delay), speeds
    )

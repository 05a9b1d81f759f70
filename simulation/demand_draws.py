"""What a calibration says of a model's demands, as :mod:`simulation.input_uncertainty`
draws them.

``calibration.json`` gives each demand it estimated a 95 % interval and, where the
tiers' busy time was measured, its bootstrap's joint draws
(:class:`~peakload.contract.calibration.JointDraws`). Here they become what the
network is evaluated on: :class:`DemandInterval` per demand (drawn on its own,
normal) and :class:`JointOffsets` (one row of offsets per draw, the demands and the
time outside the tiers together). The time outside the tiers is the model's delay
tier's demand, which is how ``calibrate`` writes it into the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from peakload.contract.calibration import CalibrationReport

Z95 = 1.959963984540054


@dataclass(frozen=True)
class DemandInterval:
    """One demand (a transaction at a tier, seconds per request) and its 95 % interval."""

    transaction: str
    tier: str
    estimate: float
    half_width: float

    @property
    def standard_error(self) -> float:
        return self.half_width / Z95


def calibration_intervals(
    report: CalibrationReport, delay_tier: str | None
) -> list[DemandInterval]:
    """Every demand of ``report`` that has an interval, with the time outside the tiers
    as ``delay_tier``'s demand (how ``calibrate`` writes it into the model)."""
    out = []
    for transaction, tiers in report.demands.items():
        for tier, demand in tiers.items():
            low, high = demand.ci95
            if demand.estimated and math.isfinite(high - low) and high > low:
                out.append(DemandInterval(transaction, tier, demand.estimate, (high - low) / 2))
    if delay_tier is not None:
        for transaction, outside in report.outside.items():
            low, high = outside.ci95
            if math.isfinite(high - low) and high > low:
                estimate = max(outside.estimate, 0.0)
                out.append(DemandInterval(transaction, delay_tier, estimate, (high - low) / 2))
    return out


@dataclass(frozen=True)
class JointOffsets:
    """The calibration's joint draws as the model's demands: column j moves the demand of
    ``pairs[j]`` (transaction, tier; the time outside the tiers at the delay tier) by
    ``offsets[:, j]`` seconds, one row per draw (0 where a draw had no value); and a
    tier's background (a share of its cores) by ``background[tier]``, one per row."""

    pairs: tuple[tuple[str, str], ...]
    offsets: np.ndarray
    background: dict[str, np.ndarray] = field(default_factory=dict)


def calibration_joint(report: CalibrationReport, delay_tier: str | None) -> JointOffsets | None:
    """``report``'s joint draws, the time outside at ``delay_tier``; None when it has
    none (older reports) or no row of them."""
    joint = report.joint_draws
    if joint is None or not joint.offsets_s or not joint.entries:
        return None  # a background alone moves nothing: it is drawn only with its demands
    pairs: list[tuple[str, str]] = []
    columns: list[int] = []
    for j, (transaction, tier) in enumerate(joint.entries):
        at = tier if tier is not None else delay_tier
        if at is None:
            continue  # a model without the delay tier carries no outside time
        pairs.append((transaction, at))
        columns.append(j)
    values = np.array(
        [[0.0 if v is None else v for v in row] for row in joint.offsets_s], dtype=float
    )
    background = {
        tier: np.array(offsets, dtype=float)
        for tier, offsets in joint.background.items()
        if len(offsets) == len(values)
    }
    return JointOffsets(tuple(pairs), values[:, columns], background)


def run_speeds(report: CalibrationReport) -> dict[str, float]:
    """Per tier whose runs' variation calibrate measured, the sd of one run's speed:
    the share by which all the tier's work (its requests', the deferred work's, its
    background) takes longer or shorter in one run than the fit says
    (``fit.<tier>.speed_sd``).

    The demands' intervals say how well the calibration's runs pin the mean
    demand; a run of its own, the level validate measures, has one more such
    offset, which no number of calibration runs removes (the machine's speed
    from one minute to the next, its neighbours' use of the caches it shares).
    It is a factor, not a fixed number of points: on a core 10 % slower a level
    at 70 % busy is 7 points busier, one at 30 % only 3. Empty for a report of
    an older calibrate (which measured ``runs_sd`` only), or where no tier's
    variation was measured."""
    return {tier: fit.speed_sd for tier, fit in report.fit.items() if fit.speed_sd}

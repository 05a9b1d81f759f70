"""The typed output of ``peakload calibrate``: what ``calibration.json`` holds.

One :class:`DemandEstimate` per (transaction, tier): the estimate with its
95 % interval, the prior the model had, the method that gave the number and
whether the runs could tell this demand apart from the others at all. An
estimate that is not identifiable still carries a number (the fit's), but
``identifiable`` is false and ``why`` says which combination the data do fix.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Method(StrEnum):
    """Which estimator gave a number."""

    UTILIZATION_LAW = "utilization_law"
    """Busy time per window regressed on completions per window (NNLS), bootstrap CI."""
    RESPONSE_TIME = "response_time"
    """Mean response time at the run's lowest load, split over tiers by the prior."""
    PRIOR = "prior"
    """Nothing measured this demand: the model's value is kept."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemandEstimate(_Model):
    estimate: float
    ci95: tuple[float, float]
    prior: float | None
    method: Method
    identifiable: bool
    why: str | None = None
    at_bound: bool = False
    """The fit put this demand at zero although the tier was busy and the model has it."""


class TierFit(_Model):
    """How well the fitted demands explain one tier's busy time."""

    windows: int
    busy_s: float
    rmse_s: float
    r2: float
    condition_number: float


class CalibrationReport(_Model):
    scenario: str
    method: Method
    runs: list[str]
    window_s: float
    windows: int
    demands: dict[str, dict[str, DemandEstimate]]
    fit: dict[str, TierFit]
    mix: dict[str, dict[str, float]]
    """Per transaction: observed share of requests and the model's share."""
    think_time_s: dict[str, float | None]
    """Observed mean think time and the model's."""
    warnings: list[str]

"""The typed output of ``peakload calibrate``: what ``calibration.json`` holds.

One :class:`DemandEstimate` per (transaction, tier): the estimate with its
95 % interval, the prior the model had, the method that gave the number and
whether the runs could tell this demand apart from the others at all. An
estimate that is not identifiable still carries a number (the fit's), but
``identifiable`` is false and ``why`` says which combination the data do fix.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

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

    @property
    def keeps_prior(self) -> bool:
        """Does the calibrated model keep the prior rather than the estimate?"""
        return self.method == Method.PRIOR or self.at_bound

    @property
    def held_by_interval(self) -> bool:
        """Kept at its prior although measured: its interval held the prior (a piece of
        deferred work the runs do not contradict), not for want of a measurement."""
        return self.method == Method.PRIOR and self.ci95 != (self.prior, self.prior)

    @property
    def estimated(self) -> bool:
        """Does the calibrated model carry this estimate, with its interval? Identified,
        and kept neither at its prior nor at a bound."""
        return self.identifiable and not self.keeps_prior

    @property
    def in_model(self) -> float:
        """The demand the calibrated model carries: the prior where it keeps it."""
        return self.prior if self.keeps_prior and self.prior is not None else self.estimate


class DeferredEstimate(DemandEstimate):
    """The demand of one piece of a transaction's deferred work: at ``tier``,
    ``after_s`` after each of its requests was served."""

    tier: str
    after_s: float


class TierFit(_Model):
    """How well the fitted demands explain one tier's busy time."""

    windows: int
    """Windows the tier was fitted on: all of them, or a CPU's at load where the runs
    tell them apart (docs/calibrate.md)."""
    busy_s: float
    rmse_s: float
    r2: float
    condition_number: float
    background: float | None = None
    """For a tier with ``cores``: the share of its cores busy with no request (the
    fit's intercept over instances x cores), written into the calibrated model's
    tier; None where it is not fitted (a tier that is not a CPU)."""
    background_ci95: tuple[float, float] | None = None
    runs_sd: float | None = None
    """How much each run's busy time moved as a whole beyond its windows' own noise:
    the sd of a run's offset, busy seconds per second over the tier's servers (a
    share, as the utilization is), carried into every demand's interval; None where
    too few runs measure it (fewer than the fit's parameters + 2)."""
    speed_sd: float | None = None
    """The same variation as a share of the runs' own fitted busy time (the offsets'
    variance over the mean square of the runs' fitted busy rates): the sd of the
    machine's speed from one run to the next (0.08: a run's work takes 8 % more
    or less time). validate draws one such speed for the level it measures, which
    moves a tier at 70 % busy by twice the points it moves one at 35 %. None where
    ``runs_sd`` is."""


class PlanPhase(_Model):
    """One load test of the designed tour: which steps its users repeat, and how hard."""

    name: str
    steps: list[str]
    """The steps each user repeats in order: a prefix of one of the model's flows."""
    isolates: str
    """The step this phase adds to the previous prefix of its flow: the demand the
    difference between the two phases pins down."""
    users: int
    think_s: float
    predicted_utilization: dict[str, float]
    """Per tier, the closed network's utilization (mean value analysis) at these users
    under the demands the phase was sized with."""
    round: int
    run: str
    """The load test's run directory."""


class PlanDesign(_Model):
    """What ``calibrate --plan`` ran and why (see :mod:`peakload.app.calibrate.design`)."""

    kind: str
    why: str
    phases: list[PlanPhase]
    precision: float
    """The relative half-width every major demand's 95 % interval had to reach."""
    major_share: float
    """A transaction carrying at least this share of the model's requests is major."""
    budget_s: float
    wall_s: float
    """Wall seconds the tour took, load tests and estimation."""
    worst: list[tuple[str, float]]
    """After each phase: the major demand with the widest interval, and its relative
    half-width (the progress of the tour)."""
    precise: bool
    """Every major demand's interval reached ``precision`` before the budget ran out."""


class OutsideEstimate(_Model):
    """A transaction's time outside the tiers: its response minus what the tiers explain."""

    estimate: float
    ci95: tuple[float, float]
    responses: int
    """Responses it was measured on (those that ended in the low-load windows)."""
    busiest_utilization: float
    """The highest tier utilization among the windows it was measured in."""


class SpreadEstimate(_Model):
    """How much a transaction's demands vary from one request to the next, as the
    factor on its priors' coefficients of variation (sd over mean) that makes their
    variances add up to the one measured: for an exponential prior (cv 1), the cv.

    Measured at low load, where a response is its demands plus its time outside the
    tiers and little wait. Where the responses said what they drew (the emulating
    mock), it is the draws' own; otherwise the responses' own, which holds the spread
    of the time outside and of the waits too: an upper bound, which the calibrated
    model uses only to lower a prior's spread."""

    scale: float
    ci95: tuple[float, float]
    responses: int
    """Responses it was measured on (those that ended in the low-load windows)."""
    drawn: bool
    """True when measured on the draws the responses reported, False when on the
    responses themselves (an upper bound)."""


class JointDraws(_Model):
    """The bootstrap's draws of every demand and every time outside the tiers, together.

    Each draw resamples the windows, fits every demand again on them and estimates
    each transaction's time outside the tiers on the same windows with those demands.
    So the draws keep what separate intervals lose: the parts of one response move
    together. A transaction's response at low load is measured far more precisely
    than the split of it into demands and the time outside, and a demand drawn high
    comes with an outside time drawn low. ``validate`` draws a prediction's inputs
    row by row from these (:mod:`simulation.input_uncertainty`); without them it draws
    every interval on its own, which errs wide.
    """

    entries: list[tuple[str, str | None]]
    """What each column is: (transaction, tier) for a demand the calibrated model
    carries as estimated, (transaction, None) for its time outside the tiers."""
    offsets_s: list[list[float | None]]
    """(draws, entries): each draw less the value the calibrated model carries, in
    seconds; None where a draw held none of the transaction's windows."""
    background: dict[str, list[float]] = {}
    """Per tier whose background was fitted (a CPU), each draw's background less the one
    the calibrated model carries, as a share of the tier's cores, in the rows' order.
    The background is the fit's intercept, so a draw that puts it high puts the demands
    low: drawn apart, a level far from the tour's load moves with the demands and not
    back with the background, and its interval errs wide (calibrate before 6 December
    wrote none)."""


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
    outside: dict[str, OutsideEstimate] = {}
    """Per transaction, the time outside the tiers (written as the delay tier)."""
    deferred: dict[str, list[DeferredEstimate]] = {}
    """Per transaction with deferred work in the model, the demand of each piece, in
    the model's order: work its served requests leave for its tier ``after_s`` later,
    fitted on the requests' counts that many seconds back."""
    spread: dict[str, SpreadEstimate] = {}
    """Per transaction, its demands' spread at low load, as a factor on the priors'
    coefficients of variation (written into the demands unless calibrate keeps the
    priors' shapes)."""
    design: PlanDesign | None = None
    """The designed tour, with ``--plan``."""
    fit_for_prediction: bool = True
    """False when a major demand stayed unidentified or at a bound: the calibrated
    model is written for inspection, marked unfit (:data:`UNFIT_MARKER`)."""
    inconclusive: list[str] = []
    """The major demands that made the calibration inconclusive, each with why."""
    joint_draws: JointDraws | None = None
    """The bootstrap's draws of the demands and the outside times together (written
    where the tiers' busy time was measured)."""


UNFIT_MARKER = "# peakload: NOT FIT FOR PREDICTION"
"""The line a calibrated scenario starts with when its calibration was inconclusive;
:func:`unfit_for_prediction` spots it."""


def unfit_for_prediction(path: str | Path) -> str | None:
    """The one-line warning for a scenario marked unfit by ``calibrate``, or None.

    The one place ``validate`` and ``size`` ask: the marker is a comment line of
    the file (a scenario file stays valid TOML), followed by the reason."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith(UNFIT_MARKER):
            reason = line[len(UNFIT_MARKER) :].strip(" :-")
            return (
                f"warning: {Path(path).name} is marked not fit for prediction by calibrate"
                + (f" ({reason})" if reason else "")
                + "; its figures rest on unmeasured demands"
            )
        if line.strip() and not line.startswith("#"):
            return None
    return None

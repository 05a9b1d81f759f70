"""One compared figure, judged (:class:`Row`, :func:`judge_row`), and a level's rows
(:func:`compare_level`) and a validation's verdict over them (:func:`verdict`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from peakload.contract.validation import ValidationRow
from peakload.measure.validation.bounds import Bounds
from peakload.measure.validation.kinds import (
    MATTERS_SHARE,
    Agreement,
    MetricKind,
    PredictionBasis,
    ValidationVerdict,
)


@dataclass(frozen=True)
class Estimate:
    """A figure and its 95 % confidence half-width (``nan`` when there is none).

    A prediction from a calibrated model also says how much of ``ci95`` its demands'
    intervals make (``input_ci95``, :mod:`simulation.input_uncertainty`): ``ci95`` is
    the replications' half-width and that one combined in quadrature. Those intervals
    are lopsided where the figure bends (a mean near saturation reaches further up than
    down): ``input_below`` and ``input_above`` are their two sides, and a measurement is
    judged against the side it falls on (:meth:`toward`)."""

    value: float
    ci95: float = math.nan
    input_ci95: float = math.nan
    input_below: float = math.nan
    input_above: float = math.nan

    def with_input(
        self, input_ci95: float, below: float = math.nan, above: float = math.nan
    ) -> Estimate:
        """This estimate with the demands' part of its uncertainty added: ``input_ci95``
        the half-width, ``below`` and ``above`` its sides (each ``input_ci95`` when not
        given)."""
        if math.isnan(input_ci95):
            return self
        return Estimate(
            self.value,
            math.hypot(_finite(self.ci95), input_ci95),
            input_ci95,
            input_ci95 if math.isnan(below) else below,
            input_ci95 if math.isnan(above) else above,
        )

    def toward(self, other: float) -> float:
        """The half-width on the side of ``other`` (:meth:`side`); ``ci95`` when
        ``other`` is no number."""
        return self.side(upward=other > self.value) if math.isfinite(other) else self.ci95

    def side(self, upward: bool) -> float:
        """The half-width above the value (``upward``) or below it: the replications'
        part and the demands' side, in quadrature (``ci95`` without the demands')."""
        if math.isnan(self.input_ci95):
            return self.ci95
        replications = math.sqrt(max(self.ci95**2 - self.input_ci95**2, 0.0))
        return math.hypot(replications, self.input_above if upward else self.input_below)


@dataclass(frozen=True)
class Row:
    level: float
    metric: str
    kind: MetricKind
    predicted: Estimate
    measured: Estimate
    bound: float  # in the metric's units
    verdict: Agreement
    imprecise: bool
    decisive: bool = False
    """Both half-widths known and the noise within ``Bounds.decisive`` of the bound."""
    matters: bool = False
    """One of the rows that must be decisive for a PASS (:func:`matters`)."""
    basis: PredictionBasis = PredictionBasis.MODEL
    outside_s: float = math.nan
    """The server's measured outside time included in ``predicted`` (PLUS_OUTSIDE)."""

    @property
    def noise(self) -> float:
        """The half-width of the difference, the prediction's on the measurement's side."""
        return _noise(self.predicted, self.measured)

    @property
    def detectable(self) -> float:
        """The smallest miss this row could have detected: a ``|difference|`` past
        ``bound + noise`` disagrees."""
        return self.bound + self.noise

    @property
    def model_value(self) -> float:
        """The model's own figure (the prediction without the outside time added)."""
        if self.basis is PredictionBasis.PLUS_OUTSIDE:
            return self.predicted.value - self.outside_s
        return self.predicted.value

    @property
    def difference(self) -> float:
        return self.predicted.value - self.measured.value

    @property
    def error(self) -> float:
        """Relative to the measurement for relative kinds, else the difference."""
        if self.kind.relative:
            m = self.measured.value
            return self.difference / abs(m) if m else math.inf
        return self.difference

    @property
    def failed(self) -> bool:
        return self.verdict is Agreement.DISAGREE

    def record(self) -> ValidationRow:
        """The row as ``validation.json`` holds it."""
        return ValidationRow(
            metric=self.metric,
            kind=self.kind.value,
            predicted=self.predicted.value,
            predicted_ci95=self.predicted.ci95,
            predicted_input_ci95=self.predicted.input_ci95,
            predicted_input_below=self.predicted.input_below,
            predicted_input_above=self.predicted.input_above,
            measured=self.measured.value,
            measured_ci95=self.measured.ci95,
            difference=self.difference,
            error=self.error,
            error_unit="relative" if self.kind.relative else "points",
            bound=self.bound,
            verdict=self.verdict.value,
            imprecise=self.imprecise,
            decisive=self.decisive,
            detectable=self.detectable,
            matters=self.matters,
            basis=self.basis.value,
            outside_s=self.outside_s,
        )


def _finite(x: float) -> float:
    return 0.0 if math.isnan(x) else x


def _noise(predicted: Estimate, measured: Estimate) -> float:
    """The half-width of ``predicted`` less ``measured``: the prediction's side that
    faces the measurement and the measurement's, in quadrature."""
    return math.hypot(_finite(predicted.toward(measured.value)), _finite(measured.ci95))


def judge_row(
    level: float,
    metric: str,
    kind: MetricKind,
    predicted: Estimate,
    measured: Estimate,
    bounds: Bounds,
    basis: PredictionBasis = PredictionBasis.MODEL,
    outside_s: float = math.nan,
    matters: bool = False,
) -> Row:
    """One row and its verdict (the rule is in the module docstring). ``predicted`` is
    the model's figure; with ``basis`` PLUS_OUTSIDE, ``outside_s`` is added to it."""
    if basis is PredictionBasis.PLUS_OUTSIDE:
        predicted = replace(predicted, value=predicted.value + outside_s)
    else:
        outside_s = math.nan
    floor = basis is PredictionBasis.QUEUE_ONLY
    allowed = bounds.allowed(metric, kind, measured.value, latency_floor=floor)
    noise = _noise(predicted, measured)
    gap = abs(predicted.value - measured.value)
    if not (math.isfinite(predicted.value) and math.isfinite(measured.value)):
        verdict = Agreement.DISAGREE  # one side has no figure: nothing agrees with nothing
    elif gap <= allowed:
        verdict = Agreement.AGREE
    elif gap <= allowed + noise:
        verdict = Agreement.WITHIN_NOISE
    else:
        verdict = Agreement.DISAGREE
    known = all(math.isfinite(x) for x in (predicted.ci95, measured.ci95, allowed))
    decisive = known and noise <= bounds.decisive * allowed
    return Row(
        level,
        metric,
        kind,
        predicted,
        measured,
        allowed,
        verdict,
        noise > allowed,
        decisive,
        matters,
        basis,
        outside_s,
    )


def matters(metric: str, shares: dict[str, float], delay_tiers: Iterable[str] = ()) -> bool:
    """Is ``metric`` one of the rows that must be decisive? Throughput, each queueing
    tier's utilization, and the mean of each transaction whose share of the model's
    requests (``shares``, fractions) is at least :data:`MATTERS_SHARE`."""
    parts = metric.split(".")
    if metric == "overall.throughput_rps":
        return True
    if parts[0] == "tiers" and parts[-1] == "utilization":
        return ".".join(parts[1:-1]) not in set(delay_tiers)
    if parts[0] == "transactions" and parts[-1] == "mean_s":
        return shares.get(".".join(parts[1:-1]), 0.0) >= MATTERS_SHARE
    return False


def verdict(rows: Iterable[Row]) -> ValidationVerdict:
    """FAIL when a row disagrees; else INCONCLUSIVE when a row that matters is not
    decisive; else PASS."""
    rows = list(rows)
    if any(r.failed for r in rows):
        return ValidationVerdict.FAIL
    if any(r.matters and not r.decisive for r in rows):
        return ValidationVerdict.INCONCLUSIVE
    return ValidationVerdict.PASS


@dataclass(frozen=True)
class OutsideTimes:
    """The server's own measured time outside its tiers, per request, over a window:
    per transaction, and over all of them (``overall``)."""

    transactions: dict[str, float]
    overall: float

    def of(self, metric: str) -> float:
        """The outside mean to add to ``metric`` (a client mean or p95), else NaN."""
        parts = metric.split(".")
        if parts[0] == "overall":
            return self.overall
        if parts[0] == "transactions":
            return self.transactions.get(".".join(parts[1:-1]), math.nan)
        return math.nan


def prediction_basis(
    metric: str, kind: MetricKind, outside: OutsideTimes | None, delay_model: bool
) -> PredictionBasis:
    """How a row's prediction treats the time outside the tiers (module docstring)."""
    client_latency = kind in (MetricKind.MEAN, MetricKind.P95) and metric.split(".")[0] in (
        "overall",
        "transactions",
    )
    if not client_latency:
        return PredictionBasis.MODEL
    if delay_model:
        return PredictionBasis.DELAY_TIER
    if outside is not None and math.isfinite(outside.of(metric)):
        return PredictionBasis.PLUS_OUTSIDE
    return PredictionBasis.QUEUE_ONLY


def compare_level(
    level: float,
    predicted: dict[str, Estimate],
    measured: dict[str, Estimate],
    kinds: dict[str, MetricKind],
    bounds: Bounds,
    shares: dict[str, float] | None = None,
    delay_tiers: Iterable[str] = (),
    outside: OutsideTimes | None = None,
) -> list[Row]:
    """Rows for every figure both sides have, in the measured side's order.

    ``shares``: the model's share of requests per transaction (which rows matter);
    ``delay_tiers``: the model's delay tiers (a model with one predicts the outside
    time); ``outside``: the server's own outside times, when it reports them."""
    delays = list(delay_tiers)
    out = []
    for metric in measured:
        if metric not in predicted:
            continue
        kind = kinds[metric]
        basis = prediction_basis(metric, kind, outside, bool(delays))
        out.append(
            judge_row(
                level,
                metric,
                kind,
                predicted[metric],
                measured[metric],
                bounds,
                basis,
                outside.of(metric) if outside is not None else math.nan,
                matters(metric, shares or {}, delays),
            )
        )
    return out


def failing_metrics(rows: Iterable[Row]) -> list[str]:
    """The metrics that disagree at any level, each named once, in order of appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        if row.failed:
            seen.setdefault(row.metric)
    return list(seen)

"""Does the model predict what was measured? Predicted vs measured, metric by metric.

``peakload validate`` runs, per load level, a load test and the simulation of
the very same plan, and compares them here. Each compared figure is a
:class:`Row`: the prediction with its 95 % confidence half-width over
independent replications, the measurement with its 95 % half-width from batch
means over the window, the error, the bound and the verdict.

Batch means: the measured window is cut into ``B`` consecutive batches of
equal length; the figure is computed in each, and the half-width is
``t(0.975, B-1) * s / sqrt(B)`` over the batch figures (batches of a steady
plateau a minute or more long are close to independent). The point estimate
is the figure over the whole window.

The verdict (:func:`judge_row`). ``difference = predicted - measured``; the bound
is relative to the measurement for throughput and times, in absolute points
for utilization and transaction share. With ``noise = sqrt(ci_p^2 + ci_m^2)``
(the half-width of the difference):

- **agree**: ``|difference| <= bound``;
- **agree, within noise**: ``bound < |difference| <= bound + noise``: the point
  estimates are further apart than the bound, but the two intervals come
  within the bound of each other, so the data cannot say the model is off by
  more than the bound;
- **disagree**: ``|difference| > bound + noise``: the model misses by more than
  the bound with 95 % confidence. Any disagreeing row fails the validation.

A row whose noise alone exceeds its bound is flagged ``imprecise``. Whether a
row *could have failed* is its **detectable miss**, ``bound + noise``: the
smallest ``|difference|`` that would have disagreed. A row is **decisive** when
that is at most ``(1 + decisive) x bound`` (``Bounds.decisive``, 0.5: a miss of
1.5 times the bound would have been caught), i.e. ``noise <= decisive x bound``
with both half-widths known. The rows that **matter** (:func:`matters`) are
throughput, every queueing tier's utilization and the mean of every
transaction carrying at least :data:`MATTERS_SHARE` of the model's requests;
the validation's :class:`ValidationVerdict` is PASS only when none disagrees and every
row that matters is decisive, INCONCLUSIVE when none disagrees but some that
matter are not, FAIL when any row disagrees. Per-transaction rows exist only
for transactions with at least :data:`MIN_TRANSACTION_REQUESTS` measured
requests in the window.

The time outside the tiers (:class:`PredictionBasis`). A client's response
time holds the tiers' queueing and service and the time no tier explains
(HTTP, framework, JSON). A model with a delay tier predicts the latter; else,
against a server that reports its own outside time per transaction
(``peakload_outside_seconds_total`` on the mock), a transaction's predicted
mean and p95 are the model's figure plus that measured outside mean, shown as
such; else the comparison is of queue time only, and only those rows keep the
absolute ``latency_floor_s``, named in their bound.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from peakload.contract.validation import ValidationRow
from peakload.measure.counter_batches import BATCHES
from peakload.measure.stats import half_width, request_summary

MATTERS_SHARE = 0.05
"""A transaction carrying at least this share of the model's requests has its mean in
the rows that must be decisive."""
MIN_TRANSACTION_REQUESTS = 300
"""Measured requests in the window below which a transaction gets no rows (its p95
would rest on fewer than 15 requests above it)."""


class MetricKind(StrEnum):
    """What a metric is, which says how its bound applies."""

    THROUGHPUT = "throughput"  # relative
    MEAN = "mean"  # relative (with an absolute floor)
    P95 = "p95"  # relative (with an absolute floor)
    UTILIZATION = "utilization"  # absolute points
    SHARE = "share"  # absolute points
    WAIT = "wait"  # relative (with an absolute floor of its own): a tier's queueing wait

    @property
    def relative(self) -> bool:
        return self in (MetricKind.THROUGHPUT, MetricKind.MEAN, MetricKind.P95, MetricKind.WAIT)

    @property
    def seconds(self) -> bool:
        """A time, shown in milliseconds."""
        return self in (MetricKind.MEAN, MetricKind.P95, MetricKind.WAIT)


class PredictionBasis(StrEnum):
    """What a row's prediction is made of (a latency's, for the time outside the tiers)."""

    MODEL = "model"
    """Not a client latency (or a tier's, from the server's own counters)."""
    PLUS_OUTSIDE = "model + outside"
    """The model's queue time plus the server's own measured outside time."""
    DELAY_TIER = "model with its delay tier"
    """The model's delay tier carries the time outside the queues: nothing added."""
    QUEUE_ONLY = "queue time only"
    """Neither: the prediction leaves out the outside time; the latency floor applies."""


class ValidationVerdict(StrEnum):
    """A validation's verdict (:func:`verdict`)."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


class Agreement(StrEnum):
    AGREE = "agree"
    WITHIN_NOISE = "agree, within noise"
    DISAGREE = "disagree"


@dataclass(frozen=True)
class Bounds:
    """How far a prediction may be from a measurement and still agree.

    ``latency_floor_s``: a client's mean or p95 compared as queue time only
    (:attr:`PredictionBasis.QUEUE_ONLY`: no delay tier in the model, no outside
    time reported by the server) also agrees within this many seconds, whatever
    its relative error: the prediction leaves out what the HTTP stack adds.
    Rows whose prediction holds the outside time have no floor.

    ``wait``, ``wait_floor_s``: a tier's mean queueing wait (the failure drill's
    rows, :mod:`peakload.measure.drills`) agrees within ``wait`` of the
    measurement or ``wait_floor_s``, whichever is larger. Its own floor, not
    the latency floor: a tier's wait comes from the server's counters (the
    mock's are kept on its schedule, no HTTP stack nor event-loop lag in them),
    and a drill's wait is a few milliseconds, all inside a 5 ms floor; 1 ms
    only keeps a queue that hardly forms (0.05 ms against 0.2 ms) from
    disagreeing.
    """

    throughput: float = 0.05
    mean: float = 0.10
    p95: float = 0.15
    utilization: float = 0.05
    share: float = 0.01
    wait: float = 0.10
    latency_floor_s: float = 0.005
    wait_floor_s: float = 0.001
    decisive: float = 0.5
    """A row is decisive when its noise is at most this fraction of its bound."""
    metrics: dict[str, float] = field(default_factory=dict)
    """Per-metric overrides, e.g. ``{"tiers.db.utilization": 0.03}``."""

    def allowed(
        self, metric: str, kind: MetricKind, measured: float, latency_floor: bool = False
    ) -> float:
        """The bound in the metric's own units; ``latency_floor``: a queue-time-only
        latency, which also agrees within :attr:`latency_floor_s`."""
        bound = float(self.metrics.get(metric, getattr(self, kind.value)))
        if not kind.relative:
            return bound
        allowed: float = bound * abs(measured)
        if kind in (MetricKind.MEAN, MetricKind.P95) and latency_floor:
            allowed = max(allowed, self.latency_floor_s)
        elif kind is MetricKind.WAIT:
            allowed = max(allowed, self.wait_floor_s)
        return allowed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BoundsError(ValueError):
    """A bounds file that cannot be used: one line naming the file and the key."""


def load_bounds(path: str | Path | None) -> Bounds:
    """Bounds from TOML: top-level ``throughput``, ``mean``, ``p95``, ``wait``
    (fractions), ``utilization``, ``share`` (fractions, i.e. 0.05 = 5 points),
    ``latency_floor_s``, ``wait_floor_s``, ``decisive``, and ``[metrics]`` with
    ``"tiers.db.utilization" = 0.03``."""
    if path is None:
        return Bounds()
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BoundsError(f"{path}: {exc}") from None
    known = {f.name for f in fields(Bounds)}
    for key, value in data.items():
        if key not in known:
            raise BoundsError(f"{path}: {key}: unknown key (one of {', '.join(sorted(known))})")
        if key == "metrics":
            if not isinstance(value, dict) or not all(
                isinstance(v, int | float) and v >= 0 for v in value.values()
            ):
                raise BoundsError(f"{path}: metrics: a table of metric = bound (>= 0)")
        elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise BoundsError(f"{path}: {key}: must be a number >= 0 (got {value!r})")
    return Bounds(**data)


@dataclass(frozen=True)
class Estimate:
    """A figure and its 95 % confidence half-width (``nan`` when there is none)."""

    value: float
    ci95: float = math.nan


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
        """The half-width of the difference."""
        return math.hypot(_finite(self.predicted.ci95), _finite(self.measured.ci95))

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
        predicted = Estimate(predicted.value + outside_s, predicted.ci95)
    else:
        outside_s = math.nan
    floor = basis is PredictionBasis.QUEUE_ONLY
    allowed = bounds.allowed(metric, kind, measured.value, latency_floor=floor)
    noise = math.hypot(_finite(predicted.ci95), _finite(measured.ci95))
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


# --- the figures compared, from a contract summary ----------------------------------


def figures(
    summary: dict[str, Any], transactions: Iterable[str]
) -> dict[str, tuple[MetricKind, float]]:
    """metric -> (kind, value) for the compared figures of one summary.

    ``transactions`` names those judged (enough measured requests); the shares
    are of all requests in the window.
    """
    overall = summary["overall"]
    out: dict[str, tuple[MetricKind, float]] = {
        "overall.throughput_rps": (MetricKind.THROUGHPUT, overall["throughput_rps"]),
        "overall.mean_s": (MetricKind.MEAN, _number(overall.get("mean_s"))),
        "overall.p95_s": (MetricKind.P95, _number(overall.get("p95_s"))),
    }
    total = overall.get("requests") or 0
    for name in transactions:
        values = summary["transactions"].get(name, {})
        count = values.get("count") or 0
        out[f"transactions.{name}.mean_s"] = (MetricKind.MEAN, _number(values.get("mean_s")))
        out[f"transactions.{name}.p95_s"] = (MetricKind.P95, _number(values.get("p95_s")))
        out[f"transactions.{name}.share"] = (MetricKind.SHARE, count / total if total else math.nan)
    for name, values in summary.get("tiers", {}).items():
        if values.get("servers") != 0:  # a delay tier has no utilization to compare
            out[f"tiers.{name}.utilization"] = (
                MetricKind.UTILIZATION,
                _number(values.get("utilization")),
            )
        # A tier whose busy time comes from a real system (--busy-time) has no
        # completions: its mean response is unknown, not zero, and has no row.
        if values.get("mean_response_s") is None or values.get("throughput_rps") == 0:
            continue
        out[f"tiers.{name}.mean_response_s"] = (
            MetricKind.MEAN,
            _number(values.get("mean_response_s")),
        )
    return out


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def judged_transactions(
    summary: dict[str, Any], minimum: int = MIN_TRANSACTION_REQUESTS
) -> list[str]:
    """Transactions with at least ``minimum`` requests in the (measured) window."""
    return [n for n, t in summary["transactions"].items() if (t.get("count") or 0) >= minimum]


def replication_estimates(
    replications: Sequence[dict[str, Any]], transactions: Iterable[str]
) -> dict[str, Estimate]:
    """The prediction: each figure's mean over replications and its half-width."""
    names = list(transactions)
    per = [figures(r, names) for r in replications]
    out = {}
    for metric in per[0]:
        values = [p[metric][1] for p in per]
        finite = [v for v in values if math.isfinite(v)]
        out[metric] = Estimate(float(np.mean(finite)) if finite else math.nan, half_width(values))
    return out


def batch_summaries(
    end: np.ndarray,
    response: np.ndarray,
    outcome: np.ndarray,
    transaction: np.ndarray,
    names: list[str],
    window: tuple[float, float],
    wall_length_s: float,
    batches: int = BATCHES,
) -> list[dict[str, Any]]:
    """The window cut into ``batches`` equal parts: a request summary of each
    (``overall`` and ``transactions``; ``end`` on the window's clock)."""
    edges = np.linspace(window[0], window[1], batches + 1)
    out = []
    for lo, hi in itertools.pairwise(edges):
        overall, txns = request_summary(
            end, response, outcome, transaction, names, (lo, hi), wall_length_s / batches
        )
        out.append({"overall": overall, "transactions": txns})
    return out


def batch_means(series: np.ndarray, batches: int = BATCHES) -> list[float]:
    """A per-bin series (e.g. a tier's utilization per minute of the window) as
    ``batches`` consecutive batch means (fewer when there are fewer bins)."""
    values = np.asarray(series, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return []
    return [float(chunk.mean()) for chunk in np.array_split(values, min(batches, len(values)))]


def measured_estimates(
    summary: dict[str, Any],
    transactions: Iterable[str],
    batches: Sequence[dict[str, Any]],
    tier_batches: dict[str, dict[str, list[float]]],
) -> dict[str, Estimate]:
    """The measurement: each figure over the whole window, with a batch-means half-width.

    ``batches`` are request summaries of the window's batches
    (:func:`batch_summaries`); ``tier_batches[tier][leaf]`` batch values of a
    tier figure (``utilization``, ``mean_response_s``) where the run has them.
    A figure without batches gets no half-width.
    """
    names = list(transactions)
    whole = figures(summary, names)
    per = [figures({**b, "tiers": {}}, names) for b in batches]
    out = {}
    for metric, (_, value) in whole.items():
        if metric.startswith("tiers."):
            _, tier, leaf = metric.split(".", 2)
            values = tier_batches.get(tier, {}).get(leaf, [])
        else:
            values = [p[metric][1] for p in per if metric in p]
        out[metric] = Estimate(value, half_width(values))
    return out


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

"""The figures compared, from a contract summary: the prediction's over replications
(:func:`replication_estimates`), the measurement's over the window with batch-means
half-widths (:func:`measured_estimates`)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from peakload.measure.busy_control import BusyControl
from peakload.measure.counter_batches import BATCHES
from peakload.measure.stats import half_width, request_summary
from peakload.measure.think_control import ThinkControl
from peakload.measure.validation.kinds import MIN_TRANSACTION_REQUESTS, MetricKind
from peakload.measure.validation.rows import Estimate
from peakload.measure.window_sketches import WindowSketches

THROUGHPUT = "overall.throughput_rps"


def figures(
    summary: dict[str, Any], transactions: Iterable[str]
) -> dict[str, tuple[MetricKind, float]]:
    """metric -> (kind, value) for the compared figures of one summary.

    ``transactions`` names those judged (enough measured requests); the shares
    are of all requests in the window.
    """
    overall = summary["overall"]
    out: dict[str, tuple[MetricKind, float]] = {
        THROUGHPUT: (MetricKind.THROUGHPUT, overall["throughput_rps"]),
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


def with_pooled_quantiles(
    predicted: dict[str, Estimate], sketches: WindowSketches | None
) -> dict[str, Estimate]:
    """``predicted`` with each percentile that of every replication's requests pooled.

    A measured percentile is that of every request of its window (a pilot's and a
    sized plateau's pooled), usually several replications long; the mean of the
    replications' own percentiles is another figure where responses come in bursts
    (:mod:`peakload.measure.window_sketches`). The half-width stays the one from the
    spread of the replications' own percentiles, which does not shrink below what
    the window length allows (Asmussen and Glynn's sectioning, *Stochastic
    Simulation*, ch. III.5, centres that spread on the pooled value instead: at the
    April day's peak, 2 % more width).
    Without sketches (a run read back from its files) the prediction is kept."""
    if sketches is None:
        return predicted
    pooled = sketches.percentiles()
    return {
        metric: Estimate(pooled[metric], estimate.ci95)
        if metric in pooled and math.isfinite(pooled[metric])
        else estimate
        for metric, estimate in predicted.items()
    }


def batch_summaries(
    end: np.ndarray,
    response: np.ndarray,
    outcome: np.ndarray,
    transaction: np.ndarray,
    names: list[str],
    window: tuple[float, float],
    wall_length_s: float,
    batches: int = BATCHES,
    demand_deviation: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """The window cut into ``batches`` equal parts: a request summary of each
    (``overall`` and ``transactions``; ``end`` on the window's clock), its means
    controlled by ``demand_deviation`` where given (:func:`request_summary`)."""
    edges = np.linspace(window[0], window[1], batches + 1)
    out = []
    for lo, hi in itertools.pairwise(edges):
        overall, txns = request_summary(
            end,
            response,
            outcome,
            transaction,
            names,
            (lo, hi),
            wall_length_s / batches,
            demand_deviation,
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
    think: ThinkControl | None = None,
    busy: dict[str, BusyControl] | None = None,
) -> dict[str, Estimate]:
    """The measurement: each figure over the whole window, with a batch-means half-width.

    ``batches`` are request summaries of the window's batches
    (:func:`batch_summaries`); ``tier_batches[tier][leaf]`` batch values of a
    tier figure (``utilization``, ``mean_response_s``) where the run has them.
    A figure without batches gets no half-width. ``think``: the thinks'
    deviation, user by user, taken out of the throughput
    (:mod:`peakload.measure.think_control`). ``busy``: per tier the draws'
    deviation, taken out of its utilization, with the throughput's control
    carried into it where there is one (:mod:`peakload.measure.busy_control`);
    without (an open workload, whose arrivals' luck is real in both the model
    and the run), the count's own batch-means noise.
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
    plain = out[THROUGHPUT].value
    if think is not None:  # the users' thinks out of the count, the server's share kept
        out[THROUGHPUT] = Estimate(*think.estimate(out["overall.mean_s"].ci95))
    throughput = out[THROUGHPUT]
    if not (plain > 0 and throughput.value > 0):
        return out
    if think is None and not math.isfinite(throughput.ci95):
        return out  # no count noise to carry: the plain utilization stays
    # an open workload's count keeps its arrivals' luck: the ratio is 1, the noise its own
    ratio, relative = throughput.value / plain, throughput.ci95 / throughput.value
    for tier, control in (busy or {}).items():
        metric = f"tiers.{tier}.utilization"
        if metric in out:
            out[metric] = Estimate(*control.estimate(out[metric].value, ratio, relative))
    return out

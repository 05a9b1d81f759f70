"""Request statistics shared by simulations and load tests.

Both engines reduce to the same per-attempt records (end time, response time,
outcome, transaction), so the window summary and the per-minute series are
computed by the same code and a simulated and a measured summary can be
compared number by number. Percentiles come from a
:class:`~peakload.measure.sketch.LogHistogram` of the response times, as a
simulation's streamed ones do (:mod:`peakload.measure.request_stream`): within
:data:`~peakload.measure.sketch.DEFAULT_ALPHA` (relative) of the exact ones,
whichever engine. Counts, means and maxima are exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

import numpy as np

from peakload.measure.sketch import LogHistogram

PERCENTILES = {"p50_s": 50, "p95_s": 95, "p99_s": 99}


class Outcome(IntEnum):
    """How one attempt ended, as the client saw it."""

    OK = 0
    TIMEOUT = 1  # no answer within timeout_s (or the connection failed)
    REFUSED = 2  # 503 from a full tier
    ERROR = 3  # any other failure (a 4xx/5xx the client did not expect)


def percentiles(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {"mean_s": float("nan"), **{k: float("nan") for k in PERCENTILES}}
    # NaN stays out of the sketch, as a clock stepping back (a negative time) stays out of 0
    counted = np.clip(values[np.isfinite(values)], 0.0, None)
    qs = LogHistogram().add(counted).quantiles([p / 100 for p in PERCENTILES.values()])
    return {"mean_s": float(values.mean()), **dict(zip(PERCENTILES, map(float, qs), strict=True))}


def controlled(response: np.ndarray, demand_deviation: np.ndarray) -> np.ndarray:
    """Each response less the demand its request drew beyond that demand's mean.

    A control variate (Lavenberg and Welch, 1981): the deviation's mean is zero, so
    the responses' mean is estimated as well with it taken out, and its spread, the
    draws' luck, is gone from the estimate. Against an exponential demand that is
    most of a response's spread at low load: what is left is the queueing and the
    time outside the tiers. Where a deviation is unknown (NaN), the response stays.
    """
    deviation = np.asarray(demand_deviation, dtype=float)
    return response - np.where(np.isfinite(deviation), deviation, 0.0)


def request_summary(
    end: np.ndarray,
    response: np.ndarray,
    outcome: np.ndarray,
    transaction: np.ndarray,
    names: list[str],
    window: tuple[float, float],
    length_s: float | None = None,
    demand_deviation: np.ndarray | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The contract's ``overall`` (request part) and ``transactions`` for attempts whose
    end falls in ``window``. ``length_s`` is the window's length in wall seconds when
    the clock is compressed (rates are per wall second); default the window's span.

    ``demand_deviation``: per attempt, the demand it drew at an emulating server's
    tiers less that demand's mean (NaN where unknown), taken out of every mean
    (:func:`controlled`); percentiles stay those of the responses."""
    w0, w1 = window
    length = length_s if length_s is not None else w1 - w0
    mask = (end >= w0) & (end < w1)
    response, outcome, transaction = response[mask], outcome[mask], transaction[mask]
    meant = response if demand_deviation is None else controlled(response, demand_deviation[mask])
    failed = outcome != Outcome.OK
    errors = int(np.count_nonzero(failed))
    count = len(response)
    overall = {
        "requests": count,
        "throughput_rps": count / length,
        "ok_rps": (count - errors) / length,
        **percentiles(response),
        "mean_s": float(meant.mean()) if count else math.nan,
        "error_rate": errors / count if count else 0.0,
        "timeouts": int(np.count_nonzero(outcome == Outcome.TIMEOUT)),
        "refusals": int(np.count_nonzero(outcome == Outcome.REFUSED)),
    }
    transactions = {}
    for index, name in enumerate(names):
        mine = transaction == index
        n = int(np.count_nonzero(mine))
        bad = int(np.count_nonzero(failed[mine]))
        transactions[name] = {
            "count": n,
            **percentiles(response[mine]),
            "mean_s": float(meant[mine].mean()) if n else math.nan,
            "errors": bad,
            "error_rate": bad / n if n else 0.0,
        }
    return overall, transactions


def request_series(
    end: np.ndarray,
    response: np.ndarray,
    outcome: np.ndarray,
    edges: np.ndarray,
    wall_widths: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per-bin requests, throughput (per wall second), mean, p50, p95 and error rate."""
    rows = len(edges) - 1
    widths = wall_widths if wall_widths is not None else np.diff(edges)
    order = np.argsort(end, kind="stable")
    end, response = end[order], response[order]
    failed = outcome[order] != Outcome.OK
    bounds = np.searchsorted(end, edges)
    counts = np.diff(bounds)
    mean, p50, p95 = (np.full(rows, np.nan) for _ in range(3))
    errors = np.zeros(rows)
    for i in range(rows):
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            chunk = response[lo:hi]
            mean[i] = chunk.mean()
            counted = np.clip(chunk[np.isfinite(chunk)], 0.0, None)
            p50[i], p95[i] = LogHistogram().add(counted).quantiles([0.5, 0.95])
            errors[i] = np.count_nonzero(failed[lo:hi]) / (hi - lo)
    return {
        "requests": counts.astype(float),
        "throughput_rps": counts / widths,
        "mean_s": mean,
        "p50_s": p50,
        "p95_s": p95,
        "error_rate": errors,
    }


def mean_by_bin(times: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The mean of ``values`` sampled at ``times`` within each bin (NaN where none)."""
    index = np.searchsorted(edges, times, side="right") - 1
    valid = (index >= 0) & (index < len(edges) - 1)
    sums = np.bincount(index[valid], weights=values[valid], minlength=len(edges) - 1)
    counts = np.bincount(index[valid], minlength=len(edges) - 1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def max_by_bin(times: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The largest of ``values`` sampled at ``times`` within each bin (NaN where none)."""
    index = np.searchsorted(edges, times, side="right") - 1
    valid = (index >= 0) & (index < len(edges) - 1) & ~np.isnan(values)
    out = np.full(len(edges) - 1, -np.inf)
    np.maximum.at(out, index[valid], values[valid])
    return np.where(np.isfinite(out), out, np.nan)


def sustained_peak(values: np.ndarray, span: int) -> float:
    """The largest mean of ``span`` consecutive samples (the plain maximum when
    there are fewer).

    A generator's CPU sampled once a second spikes for a moment at a garbage
    collection or a burst of time-outs without holding back a single request;
    what limits the rate it sends is CPU held near a full core for seconds on end.
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return 0.0
    if len(values) <= span:
        return float(values.max())
    window = np.convolve(values, np.ones(span) / span, mode="valid")
    return float(window.max())


def minute_edges(start: float, end: float, minute_s: float = 60.0) -> np.ndarray:
    """Bin edges one (scenario-clock) minute apart covering [start, end]."""
    edges = np.arange(start, end + minute_s / 2, minute_s)
    if edges[-1] < end:
        edges = np.append(edges, end)
    return edges


def mser5(values: np.ndarray, batch: int = 5) -> int:
    """MSER-5 truncation point: how many leading observations to drop.

    Batches the series into means of ``batch``, and picks the d (in batches, at
    most half of them) minimising the squared standard error of the remaining
    mean, ``sum((x - mean)^2) / (n - d)^2`` (White 1997; as JMT does).
    """
    n_batches = len(values) // batch
    if n_batches < 4:
        return 0
    means = values[: n_batches * batch].reshape(n_batches, batch).mean(axis=1)
    tail_sum = np.cumsum(means[::-1])[::-1]
    tail_sq = np.cumsum((means**2)[::-1])[::-1]
    remaining = np.arange(n_batches, 0, -1, dtype=float)
    sse = tail_sq - tail_sum**2 / remaining
    statistic = sse / remaining**2
    half = n_batches // 2
    d = int(np.argmin(statistic[: half + 1]))
    return d * batch


def half_width(values: Sequence[float]) -> float:
    """The 95 % confidence half-width of the mean of ``values``: Student's
    t(0.975, n - 1) * s / sqrt(n) over the finite values (replications, batches).

    With fewer than two finite values there is no spread to estimate: NaN
    (unknown, written ``null``), never 0, which would claim an exact figure.
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    n = len(finite)
    if n < 2:
        return math.nan
    # scipy here, not at the top: the load generator imports this module (Outcome) in
    # every Locust process, and scipy.stats costs it 0.5 s of CPU at each start.
    from scipy.stats import t as student_t

    return float(student_t.ppf(0.975, n - 1) * np.std(finite, ddof=1) / math.sqrt(n))

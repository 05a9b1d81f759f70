"""Window summaries and per-minute series from per-request records.

Percentiles are exact (numpy over every attempt in the window, no histogram
buckets). Utilization is the busy-server time inside the window from each
visit's service interval, divided by c times the window length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from peakload.clock import format_clock
from simulation.model import Outcome
from simulation.records import RunRecords, TierRecords

PERCENTILES = {"p50_s": 50, "p95_s": 95, "p99_s": 99}


@dataclass(frozen=True)
class Warmup:
    """What MSER-5 dropped from the start of a steady-state run."""

    truncated_at: float
    dropped_requests: int
    dropped_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": "MSER-5",
            "truncated_at": format_clock(self.truncated_at, with_seconds=True),
            "dropped_s": round(self.dropped_s, 3),
            "dropped_requests": self.dropped_requests,
        }


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


def detect_warmup(records: RunRecords) -> Warmup:
    order = np.argsort(records.end, kind="stable")
    response = records.response[order]
    dropped = mser5(response)
    truncated_at = float(records.end[order][dropped - 1]) if dropped else records.start_s
    return Warmup(truncated_at, dropped, truncated_at - records.start_s)


def cumulative_busy(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Busy server-seconds accumulated from the intervals [starts, ends) up to each ``at``."""
    s = np.sort(starts)
    e = np.sort(ends)
    cs = np.concatenate(([0.0], np.cumsum(s)))
    ce = np.concatenate(([0.0], np.cumsum(e)))
    ks = np.searchsorted(s, at)
    ke = np.searchsorted(e, at)
    return (at * ks - cs[ks]) - (at * ke - ce[ke])


def _percentiles(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {"mean_s": float("nan"), **{k: float("nan") for k in PERCENTILES}}
    qs = np.percentile(values, list(PERCENTILES.values()))
    return {"mean_s": float(values.mean()), **dict(zip(PERCENTILES, map(float, qs), strict=True))}


def window_summary(records: RunRecords, window: tuple[float, float], closed: bool) -> dict:
    """The contract's ``overall``, ``transactions`` and ``tiers`` for one window."""
    w0, w1 = window
    length = w1 - w0
    in_window = (records.end >= w0) & (records.end < w1)
    response = records.response[in_window]
    outcome = records.outcome[in_window]
    txn = records.transaction[in_window]
    errors = int(np.count_nonzero(outcome != Outcome.OK))
    count = len(response)

    in_samples = (records.sample_time >= w0) & (records.sample_time < w1)
    if closed:
        population = records.concurrency
    else:  # an open workload has no users: report requests in the system
        population = np.sum([t.in_tier for t in records.tiers.values()], axis=0)
    sampled = population[in_samples]
    if len(sampled):
        peak_index = int(np.argmax(sampled))
        peak = float(sampled[peak_index])
        peak_time = format_clock(float(records.sample_time[in_samples][peak_index]))
    else:
        peak, peak_time = 0.0, format_clock(w0)

    overall = {
        "requests": count,
        "throughput_rps": count / length,
        "ok_rps": (count - errors) / length,
        **_percentiles(response),
        "error_rate": errors / count if count else 0.0,
        "timeouts": int(np.count_nonzero(outcome == Outcome.TIMEOUT)),
        "refusals": int(np.count_nonzero(outcome == Outcome.REFUSED)),
        "peak_concurrency": peak,
        "peak_time": peak_time,
        "mean_concurrency": float(sampled.mean()) if len(sampled) else 0.0,
    }
    transactions = {}
    for index, name in enumerate(records.transaction_names):
        mine = txn == index
        n = int(np.count_nonzero(mine))
        failed = int(np.count_nonzero(outcome[mine] != Outcome.OK))
        transactions[name] = {
            "count": n,
            **_percentiles(response[mine]),
            "errors": failed,
            "error_rate": failed / n if n else 0.0,
        }
    tiers = {name: _tier_summary(tier, w0, w1, in_samples) for name, tier in records.tiers.items()}
    return {"overall": overall, "transactions": transactions, "tiers": tiers}


def _tier_summary(tier: TierRecords, w0: float, w1: float, in_samples: np.ndarray) -> dict:
    length = w1 - w0
    starts = tier.service_starts
    busy = cumulative_busy(starts, starts + tier.services, np.array([w0, w1]))
    arrived = (tier.arrivals >= w0) & (tier.arrivals < w1)
    waits = tier.waits[arrived]
    response = waits + tier.services[arrived]
    first, last = int(w0 // 60), int(np.ceil(w1 / 60))
    throughput = len(waits) / length
    refusals = int(np.count_nonzero((tier.refusals >= w0) & (tier.refusals < w1)))
    mean_response = float(response.mean()) if len(response) else 0.0
    return {
        "servers": tier.servers,
        "utilization": float(busy[1] - busy[0]) / (tier.servers * length),
        "throughput_rps": throughput,
        "mean_wait_s": float(waits.mean()) if len(waits) else 0.0,
        "mean_response_s": mean_response,
        "max_queue": int(tier.max_queue_by_minute[first:last].max(initial=0)),
        "refusals": refusals,
        "refused_fraction": refusals / (refusals + len(waits)) if refusals + len(waits) else 0.0,
        # Little's law, L = lambda W: time-average occupancy sampled by the monitor
        # beside the arrival rate times the mean time in the tier from the records.
        "mean_in_tier": float(tier.in_tier[in_samples].mean()) if in_samples.any() else 0.0,
        "littles_law_lw": throughput * mean_response,
    }


def timeseries(records: RunRecords, minute_s: float = 60.0) -> dict[str, np.ndarray]:
    """One row per minute of the run: the contract's columns and per-tier util/queue."""
    edges = np.arange(records.start_s, records.end_s + minute_s / 2, minute_s)
    if edges[-1] < records.end_s:
        edges = np.append(edges, records.end_s)
    starts = edges[:-1]
    widths = np.diff(edges)
    rows = len(starts)

    order = np.argsort(records.end, kind="stable")
    end = records.end[order]
    response = records.response[order]
    failed = records.outcome[order] != Outcome.OK
    bounds = np.searchsorted(end, edges)
    columns: dict[str, np.ndarray] = {"time_s": starts}
    columns["target_concurrency"] = _mean_by_bin(records.sample_time, records.target, edges)
    columns["concurrency"] = _mean_by_bin(records.sample_time, records.concurrency, edges)
    counts = np.diff(bounds)
    columns["requests"] = counts.astype(float)
    columns["throughput_rps"] = counts / widths
    mean = np.full(rows, np.nan)
    p50 = np.full(rows, np.nan)
    p95 = np.full(rows, np.nan)
    errors = np.zeros(rows)
    for i in range(rows):
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            chunk = response[lo:hi]
            mean[i] = chunk.mean()
            p50[i], p95[i] = np.percentile(chunk, [50, 95])
            errors[i] = np.count_nonzero(failed[lo:hi]) / (hi - lo)
    columns.update(mean_s=mean, p50_s=p50, p95_s=p95, error_rate=errors)
    for name, tier in records.tiers.items():
        service_starts = tier.service_starts
        busy = cumulative_busy(service_starts, service_starts + tier.services, edges)
        columns[f"util_{name}"] = np.diff(busy) / (tier.servers * widths)
        minute_index = (starts // 60).astype(int)
        columns[f"queue_{name}"] = tier.max_queue_by_minute[minute_index].astype(float)
    return columns


def _mean_by_bin(times: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    index = np.searchsorted(edges, times, side="right") - 1
    valid = (index >= 0) & (index < len(edges) - 1)
    sums = np.bincount(index[valid], weights=values[valid], minlength=len(edges) - 1)
    counts = np.bincount(index[valid], minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

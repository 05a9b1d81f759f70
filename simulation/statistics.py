"""Window summaries and per-minute series of a simulation run.

The request figures come from peakload.measure.stats, the same code a load test's
summary uses. What only a simulation knows is added here: per-tier
utilization (busy-server time inside the window from each visit's service
interval, divided by c times the window length), waits, queues and Little's law.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from peakload.core.clock import format_clock
from peakload.measure.stats import mean_by_bin, minute_edges, mser5, request_series, request_summary
from simulation.records import RunRecords, TierRecords


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


def window_summary(records: RunRecords, window: tuple[float, float], closed: bool) -> dict:
    """The contract's ``overall``, ``transactions`` and ``tiers`` for one window."""
    overall, transactions = request_summary(
        records.end,
        records.response,
        records.outcome,
        records.transaction,
        records.transaction_names,
        window,
    )
    w0, w1 = window
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
    overall |= {
        "peak_concurrency": peak,
        "peak_time": peak_time,
        "mean_concurrency": float(sampled.mean()) if len(sampled) else 0.0,
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
    edges = minute_edges(records.start_s, records.end_s, minute_s)
    starts = edges[:-1]
    widths = np.diff(edges)
    columns: dict[str, np.ndarray] = {"time_s": starts}
    columns["target_concurrency"] = mean_by_bin(records.sample_time, records.target, edges)
    columns["concurrency"] = mean_by_bin(records.sample_time, records.concurrency, edges)
    columns |= request_series(records.end, records.response, records.outcome, edges)
    for name, tier in records.tiers.items():
        service_starts = tier.service_starts
        busy = cumulative_busy(service_starts, service_starts + tier.services, edges)
        columns[f"util_{name}"] = np.diff(busy) / (tier.servers * widths)
        minute_index = (starts // 60).astype(int)
        columns[f"queue_{name}"] = tier.max_queue_by_minute[minute_index].astype(float)
    return columns

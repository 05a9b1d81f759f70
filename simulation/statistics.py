"""Warm-up detection for a steady-state simulation.

Every figure of a simulated summary comes from :mod:`peakload.measure.reduce`,
the reducer a load test's measurements go through too. What only a simulation
needs is here: a steady workload run from empty starts with a transient (empty
queues, users all arriving at once) that would bias the window's statistics.
MSER-5 (:func:`peakload.measure.stats.mser5`) finds where the transient ends,
from the mean response time of each second of the run (the stream keeps a
count and a sum per second, not every response), and the summary window starts
at the first edge of the stream's grid (a whole minute) at or after it: the
warm-up dropped is at most a minute longer than MSER-5's, and every figure of
the window is then exact on the grid. In a run so short that rounding up would
keep less than half of what MSER-5 kept (a run of a minute or two), the cut
rounds down to the edge before instead: up to a minute of the transient stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakload.contract.summary import Warmup as WarmupSection
from peakload.core.clock import format_clock
from peakload.measure.stats import mser5
from simulation.records import RunRecords


@dataclass(frozen=True)
class Warmup:
    """What MSER-5 dropped from the start of a steady-state run."""

    truncated_at: float
    """The clock at which the kept observations start."""
    dropped_requests: int
    dropped_s: float

    def section(self) -> WarmupSection:
        """The summary's ``warmup`` section."""
        return WarmupSection(
            method="MSER-5",
            truncated_at=format_clock(self.truncated_at, with_seconds=True),
            dropped_s=round(self.dropped_s, 3),
            dropped_requests=self.dropped_requests,
        )


def detect_warmup(records: RunRecords) -> Warmup:
    """MSER-5 over the run's per-second mean response times, rounded up to the grid."""
    stream = records.requests
    busy = np.flatnonzero(stream.seconds_count)
    means = stream.seconds_total[busy] / stream.seconds_count[busy]
    dropped = mser5(means)
    if not dropped:
        return Warmup(records.start_s, 0, 0.0)
    at = stream.edges[0] + float(busy[dropped - 1] + 1)
    edges, end = stream.edges, float(stream.edges[-1])
    edge = min(int(np.searchsorted(edges, at, side="left")), len(edges) - 1)
    if end - float(edges[edge]) < 0.5 * (end - at):
        # A short run: rounding up would leave less than half of what MSER-5 kept (or
        # nothing, on a one-bin grid), so the cut rounds down to the edge before it.
        edge = max(edge - 1, 0)
    truncated_at = float(edges[edge])
    return Warmup(truncated_at, stream.ended_before(truncated_at), truncated_at - records.start_s)

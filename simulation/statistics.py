"""Warm-up detection for a steady-state simulation.

Every figure of a simulated summary comes from :mod:`peakload.measure.reduce`,
the reducer a load test's measurements go through too. What only a simulation
needs is here: a steady workload run from empty starts with a transient (empty
queues, users all arriving at once) that would bias the window's statistics.
MSER-5 (:func:`peakload.measure.stats.mser5`) finds where the transient ends,
from the response times in the order they ended, and the summary window starts
there.
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
    """MSER-5 over the run's response times in the order the attempts ended."""
    order = np.argsort(records.end, kind="stable")
    response = records.response[order]
    dropped = mser5(response)
    truncated_at = float(records.end[order][dropped - 1]) if dropped else records.start_s
    return Warmup(truncated_at, dropped, truncated_at - records.start_s)

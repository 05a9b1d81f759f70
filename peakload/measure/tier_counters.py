"""A tier seen from outside, as a load test sees a server: sampled cumulative counters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from peakload.contract.summary import TierStats
from peakload.measure.stats import max_by_bin

if TYPE_CHECKING:
    from peakload.measure.observations import Timebase


@dataclass(frozen=True)
class TierCounters:
    """A tier observed from outside, as a load test sees a server: cumulative
    counters sampled at wall epochs ``wall`` (NaN where a sample lacks the tier).

    ``busy_seconds`` and ``wait_seconds`` add up server-seconds, ``completions``
    and ``refusals`` count visits, ``queue`` is the queue length at the sample.
    Figures over a window are differences between the samples nearest its ends.

    A tier whose workers share ``cores``: ``busy_seconds`` are CPU seconds, and
    its utilization is their share of ``cores`` (instances x cores);
    ``wait_seconds`` is the wait for a worker, and a visit's response is that
    wait plus the worker-seconds it held (``held_seconds``), not its CPU.
    """

    servers: int
    wall: np.ndarray
    completions: np.ndarray
    busy_seconds: np.ndarray
    wait_seconds: np.ndarray
    refusals: np.ndarray
    queue: np.ndarray
    cores: int | None = None
    held_seconds: np.ndarray | None = None

    @property
    def capacity(self) -> int:
        """What busy seconds are a share of, per second: the cores, else the servers."""
        return self.cores or self.servers

    def _nearest(self, wall: float) -> int:
        return int(np.clip(np.searchsorted(self.wall, wall), 0, len(self.wall) - 1))

    def stats(self, window: tuple[float, float], timebase: Timebase) -> TierStats:
        i0, i1 = self._nearest(timebase.wall(window[0])), self._nearest(timebase.wall(window[1]))
        t0, t1 = float(self.wall[i0]), float(self.wall[i1])
        span = max(t1 - t0, 1e-9)

        def change(counter: np.ndarray) -> float:
            start, end = counter[i0], counter[i1]
            if np.isnan(end):
                return 0.0
            return float(end - (0.0 if np.isnan(start) else start))

        done = int(change(self.completions))
        busy = change(self.busy_seconds)
        waited = change(self.wait_seconds)
        served = busy if self.held_seconds is None else change(self.held_seconds)
        refusals = int(change(self.refusals))
        inside = (self.wall >= t0) & (self.wall <= t1) & ~np.isnan(self.queue)
        return TierStats(
            servers=self.servers,
            utilization=busy / (self.capacity * span),
            throughput_rps=done / span,
            mean_wait_s=waited / done if done else 0.0,
            mean_response_s=(waited + served) / done if done else 0.0,
            max_queue=int(self.queue[inside].max(initial=0)),
            refusals=refusals,
            refused_fraction=refusals / (refusals + done) if refusals + done else 0.0,
        )

    def series(
        self, edges: np.ndarray, wall_widths: np.ndarray, timebase: Timebase
    ) -> tuple[np.ndarray, np.ndarray]:
        sample_clock = timebase.clock(self.wall)
        at_edges = np.interp(edges, sample_clock, self.busy_seconds)
        return (
            np.diff(at_edges) / (self.capacity * wall_widths),
            max_by_bin(sample_clock, self.queue, edges),
        )

"""A tier's figures over a window and per bin, from whatever keeps its visits.

A simulated tier keeps its visits one of two ways: every visit's arrival, wait
and service (:class:`~peakload.measure.observations.TierIntervals`, a tier
sharing cores), or per-bin sums on the run's grid
(:class:`~peakload.measure.visit_stream.VisitStream`, the others). Both
answer the same four questions, and :class:`TierFigures` turns the answers
into the one :class:`~peakload.contract.summary.TierStats` and the one
per-bin series, so the two ways cannot drift apart:

- :meth:`~TierFigures.visits`: how many visits arrived in a window, their
  summed waits and summed responses;
- :meth:`~TierFigures.busy_seconds`: server-seconds of service in a window;
- :meth:`~TierFigures.refusals_in`: refused visits in a window;
- :meth:`~TierFigures.busy_share`: utilization in each bin of a grid.

A tier sharing cores adds :meth:`~TierFigures.cpu_utilization`: CPU busy over
its cores, what the operating system would show.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from peakload.contract.summary import TierStats

if TYPE_CHECKING:
    from peakload.measure.observations import Timebase


class TierFigures:
    """The figures of a tier, from its :meth:`visits`, :meth:`busy_seconds`,
    :meth:`refusals_in` and :meth:`busy_share` (a subclass keeps the visits)."""

    servers: int
    """Servers (instances x workers); 0 for a delay."""
    delay: bool
    """An infinite server: no utilization (NaN), never a division by its servers."""
    max_queue_by_minute: np.ndarray
    """Longest queue in each minute of the day (index: minute after midnight)."""
    sample_time: np.ndarray
    in_tier: np.ndarray
    """Busy + queued, as the monitor sampled it at ``sample_time``, for Little's law."""

    def visits(self, arrived: tuple[float, float]) -> tuple[int, float, float]:
        """Visits that arrived in ``arrived``: how many, summed waits, summed responses."""
        raise NotImplementedError

    def busy_seconds(self, window: tuple[float, float]) -> float:
        """Server-seconds of service done in ``window``."""
        raise NotImplementedError

    def refusals_in(self, window: tuple[float, float]) -> int:
        """Visits refused (the queue full) in ``window``."""
        raise NotImplementedError

    def busy_share(self, edges: np.ndarray, widths: np.ndarray) -> np.ndarray:
        """Utilization in each bin of ``edges`` whose wall lengths are ``widths``."""
        raise NotImplementedError

    def cpu_utilization(self, window: tuple[float, float], length: float) -> float | None:
        """CPU busy over the cores in ``window`` of ``length`` wall seconds; None
        for a tier that does not share cores (its servers' busy share is its
        utilization)."""
        return None

    def stats(self, window: tuple[float, float], timebase: Timebase) -> TierStats:
        """Utilization over ``window`` (a tier sharing cores: its CPU, with the
        workers' busy share beside); waits and responses of the visits that
        arrived in it; Little's law from the monitor's samples."""
        w0, w1 = window
        length = (w1 - w0) / timebase.compress
        occupancy = self.busy_seconds(window) / (self.servers * length) if self.servers else 0.0
        cpu = self.cpu_utilization(window, length)
        utilization = occupancy if cpu is None else cpu
        if self.delay:
            utilization = math.nan
        done, waited, responded = self.visits(window)
        refusals = self.refusals_in(window)
        throughput = done / length
        mean_response = responded / done if done else 0.0
        first, last = int(w0 // 60), int(np.ceil(w1 / 60))
        in_samples = (self.sample_time >= w0) & (self.sample_time < w1)
        served = refusals + done
        return TierStats(
            servers=self.servers,
            utilization=utilization,
            # Set only for a tier sharing cores: a summary keeps to the keys it had.
            **({} if cpu is None else {"pool_occupancy": occupancy}),
            throughput_rps=throughput,
            mean_wait_s=waited / done if done else 0.0,
            mean_response_s=mean_response,
            max_queue=int(self.max_queue_by_minute[first:last].max(initial=0)),
            refusals=refusals,
            refused_fraction=refusals / served if served else 0.0,
            # Little's law, L = lambda W: time-average occupancy sampled by the monitor
            # beside the arrival rate times the mean time in the tier from the records.
            mean_in_tier=float(self.in_tier[in_samples].mean()) if in_samples.any() else 0.0,
            littles_law_lw=throughput * mean_response,
        )

    def series(
        self, edges: np.ndarray, wall_widths: np.ndarray, timebase: Timebase
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per bin of ``edges`` (scenario clock): utilization and the longest queue."""
        minute_index = (edges[:-1] // 60).astype(int)
        return (
            self.busy_share(edges, wall_widths),
            self.max_queue_by_minute[minute_index].astype(float),
        )

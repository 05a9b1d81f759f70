"""A tier's visits reduced as they are served: per-bin sums, no rows kept.

What :class:`~peakload.measure.observations.TierIntervals` computes from every
visit's arrival, wait and service, :class:`VisitStream` accumulates on a fixed
grid of bin ``edges`` (the run's minutes, with the window's and the drills'
ends among them) a batch of visits at a time:

- by the bin a visit arrived in: visits, summed waits, summed responses;
- busy server-seconds per bin, each service interval split over the bins it
  spans (exact, whatever its length: :func:`cumulative_busy` at the edges);
- refusals per bin.

Its size is the grid's, never the number of visits. A figure over a window
whose ends are on the grid is exactly what the intervals give; between edges
the cumulative sums are interpolated linearly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from peakload.measure.observations import cumulative_busy
from peakload.measure.tier_figures import TierFigures


class Visits(Protocol):
    """A tier's visits as drills read them (:class:`VisitStream`, or
    :class:`~peakload.measure.observations.TierIntervals` for a tier sharing cores)."""

    def visits(self, arrived: tuple[float, float]) -> tuple[int, float, float]:
        """Visits that arrived in ``arrived``: how many, summed waits, summed responses."""
        ...


@dataclass
class VisitStream(TierFigures):
    """One tier's visits on the grid ``edges`` (the tier's own clock)."""

    servers: int
    edges: np.ndarray
    delay: bool = False
    visits_by_bin: np.ndarray = field(init=False, repr=False)
    waits_by_bin: np.ndarray = field(init=False, repr=False)
    responses_by_bin: np.ndarray = field(init=False, repr=False)
    refusals_by_bin: np.ndarray = field(init=False, repr=False)
    busy_at_edges: np.ndarray = field(init=False, repr=False)
    """Server-seconds of service done by each edge."""
    max_queue_by_minute: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=int))
    sample_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    in_tier: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        self.edges = np.asarray(self.edges, dtype=float)
        bins = len(self.edges) - 1
        self.visits_by_bin = np.zeros(bins, dtype=np.int64)
        self.waits_by_bin = np.zeros(bins)
        self.responses_by_bin = np.zeros(bins)
        self.refusals_by_bin = np.zeros(bins, dtype=np.int64)
        self.busy_at_edges = np.zeros(bins + 1)

    def _bin(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        index = np.searchsorted(self.edges, times, side="right") - 1
        inside = (index >= 0) & (index < len(self.edges) - 1)
        return index[inside], inside

    def add(self, arrivals: np.ndarray, waits: np.ndarray, services: np.ndarray) -> None:
        """Count a batch of visits that got a server."""
        bins = len(self.edges) - 1
        index, inside = self._bin(arrivals)
        self.visits_by_bin += np.bincount(index, minlength=bins)
        self.waits_by_bin += np.bincount(index, weights=waits[inside], minlength=bins)
        response = waits[inside] + services[inside]
        self.responses_by_bin += np.bincount(index, weights=response, minlength=bins)
        starts = arrivals + waits - self.edges[0]  # from the grid's start: fewer digits lost
        self.busy_at_edges += cumulative_busy(starts, starts + services, self.edges - self.edges[0])

    def refuse(self, times: np.ndarray) -> None:
        """Count a batch of refused visits."""
        index, _ = self._bin(times)
        self.refusals_by_bin += np.bincount(index, minlength=len(self.edges) - 1)

    def finish(
        self, max_queue_by_minute: np.ndarray, sample_time: np.ndarray, in_tier: np.ndarray
    ) -> VisitStream:
        """Attach what the tier and the monitor kept per minute and per tick."""
        self.max_queue_by_minute = np.asarray(max_queue_by_minute)
        self.sample_time, self.in_tier = sample_time, in_tier
        return self

    def _at(self, per_bin: np.ndarray, at: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate(([0.0], np.cumsum(per_bin, dtype=float)))
        return np.asarray(np.interp(at, self.edges, cumulative))

    def visits(self, arrived: tuple[float, float]) -> tuple[int, float, float]:
        """Visits that arrived in ``arrived``: how many, summed waits, summed responses."""
        at = np.asarray(arrived, dtype=float)
        count = np.diff(self._at(self.visits_by_bin, at))[0]
        waits = np.diff(self._at(self.waits_by_bin, at))[0]
        responses = np.diff(self._at(self.responses_by_bin, at))[0]
        return round(count), float(waits), float(responses)

    def busy_share(self, edges: np.ndarray, widths: np.ndarray) -> np.ndarray:
        """Busy servers over ``servers`` in each bin of ``edges`` (NaN for a delay)."""
        if self.delay:
            return np.full(len(edges) - 1, np.nan)
        busy = np.interp(edges, self.edges, self.busy_at_edges)
        return np.asarray(np.diff(busy) / (self.servers * widths))

    def busy_seconds(self, window: tuple[float, float]) -> float:
        """Server-seconds of service done in ``window`` (exact on the grid's edges)."""
        busy = np.diff(np.interp(window, self.edges, self.busy_at_edges))[0]
        return float(busy)

    def refusals_in(self, window: tuple[float, float]) -> int:
        """Visits refused in ``window``."""
        at = np.asarray(window, dtype=float)
        return int(np.rint(np.diff(self._at(self.refusals_by_bin, at))[0]))

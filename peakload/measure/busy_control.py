"""A tier's measured utilization with the draws' and the thinks' luck taken out.

A tier's busy seconds over a window are the demands its visits drew, and an
emulating mock draws each from the scenario's distribution: an exponential
demand's draws spread as wide as their mean, so half of a utilization's
spread at low load is that luck, and the other half is the count of visits,
which is the thinks' luck (:mod:`peakload.measure.think_control`).

The mock counts how far its served visits' draws fell from their means, per
tier (``deviation_seconds`` in /admin/stats, ``deviation_s`` in
``tiers.csv``). Busy seconds less that deviation are the demands the visits
were expected to bring: the same mean, without the draws' spread (a control
variate with the coefficient 1 the draws enter busy time by). Per request of
the window that is ``D``, the tier's demand per request as the served mix
made it. By the utilization law ``U = X D``, the tier's utilization is then
the measured one scaled by the draws' share ``(busy - deviation) / busy`` and
by the throughput's own control ``X_c / X`` (the count with the thinks' luck
out). Its relative half-width is that of ``X_c`` and that of ``D`` (batch
means of each batch's busy less deviation over its requests, the mix's
spread) in quadrature.

Without the think control (an open workload, whose arrivals' luck is as real
in the model as in the run; an older run) the ratio is 1 and the count's noise
is its batch-means half-width. A server that does not count its draws (a real
service, CPU seconds from the operating system) keeps the plain batch-means
utilization.

>>> window = BusyWindow(busy_s=30.0, deviation_s=1.5, requests=1000,
...     per_request=[0.0285, 0.0286, 0.0284, 0.0285, 0.0285])
>>> value, width = BusyControl([window]).estimate(0.50, 1.02, 0.01)
>>> round(value, 4), round(width, 4)
(0.4845, 0.0051)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from peakload.measure.stats import half_width


@dataclass(frozen=True)
class BusyWindow:
    """One tier over one window: its busy seconds, its visits' drawn deviation
    (seconds), the window's requests, and per batch the busy seconds less the
    deviation over the batch's requests (``per_request``)."""

    busy_s: float
    deviation_s: float
    requests: int
    per_request: list[float]


def busy_window(
    clock: np.ndarray,
    counters: dict[str, np.ndarray],
    window: tuple[float, float],
    batch_requests: Sequence[int],
) -> BusyWindow | None:
    """The tier's :class:`BusyWindow` from its cumulative counters (``clock`` each
    sample's scenario-clock time; ``busy_s`` and ``deviation_s``), the window cut
    into ``len(batch_requests)`` equal batches holding those requests; None when
    the server did not count its draws."""
    deviation = counters.get("deviation_s")
    if deviation is None or not len(clock) or not np.isfinite(deviation).all():
        return None

    def change(key: str, a: float, b: float) -> float:
        values = counters[key]
        return float(np.interp(b, clock, values) - np.interp(a, clock, values))

    edges = np.linspace(window[0], window[1], len(batch_requests) + 1)
    per_request = [
        (change("busy_s", a, b) - change("deviation_s", a, b)) / n
        for a, b, n in zip(edges[:-1], edges[1:], batch_requests, strict=True)
        if n > 0
    ]
    return BusyWindow(
        change("busy_s", *window),
        change("deviation_s", *window),
        int(sum(batch_requests)),
        per_request,
    )


@dataclass(frozen=True)
class BusyControl:
    """A tier's windows of one level (a pilot and a sized plateau, or one)."""

    windows: Sequence[BusyWindow]

    def estimate(
        self, utilization: float, throughput_ratio: float, throughput_relative_ci95: float
    ) -> tuple[float, float]:
        """The tier's ``utilization`` (measured over all windows) with the draws' luck
        out and scaled by the throughput's control (``X_c / X``), and its 95 %
        half-width: the controlled throughput's relative one and the demand per
        request's, in quadrature (see the module's doc)."""
        busy = sum(w.busy_s for w in self.windows)
        if busy <= 0.0:
            return utilization, math.nan
        expected = busy - sum(w.deviation_s for w in self.windows)
        demand = expected / sum(w.requests for w in self.windows)
        batches = [v for w in self.windows for v in w.per_request]
        value = utilization * expected / busy * throughput_ratio
        relative = math.hypot(throughput_relative_ci95, half_width(batches) / demand)
        return value, value * relative

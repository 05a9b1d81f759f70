"""The figure groups of a summary: ``overall``, each transaction's and each tier's.

Each group is a :class:`Stats`: its declared figures (:data:`Figure`, NaN where
there was no data, ``null`` in JSON) and, for a summary of N >= 2 replications,
each figure's ``<name>_ci95`` half-width kept as an extra and read by
:meth:`Stats.ci95`. :mod:`peakload.contract.summary` puts them together into one
run's document and re-exports them.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _null_is_nan(value: Any) -> Any:
    return math.nan if value is None else value


Figure = Annotated[float, BeforeValidator(_null_is_nan)]
"""A measured or estimated number; ``null`` in JSON (no data) reads as NaN."""

Count = int | float
"""A count of one run (an int), or its mean over replications (a float)."""


class Stats(BaseModel):
    """A group of figures that may carry ``<name>_ci95`` siblings (kept as extras)."""

    model_config = ConfigDict(extra="allow")

    def ci95(self, name: str) -> float:
        """The 95 % half-width of figure ``name``.

        0 when the figure carries none: one run, whose figures are what it measured,
        or a configuration figure such as ``servers``. NaN when it was combined from
        replications but fewer than two of them had it (``null`` in the file): the
        width is unknown, not zero, and a verdict at the bound must say so
        (:func:`peakload.measure.judge.judge`)."""
        extra = self.model_extra or {}
        key = f"{name}_ci95"
        if key not in extra:
            return 0.0
        half = extra[key]
        return math.nan if half is None else float(half)

    def figure(self, name: str) -> float | None:
        """Figure ``name`` as a number, or ``None`` when absent or NaN (no data)."""
        value = getattr(self, name, None)
        if value is None:
            value = (self.model_extra or {}).get(name)
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
            return None
        return float(value)


class LatencyStats(Stats):
    """Response times of a set of attempts, in seconds; NaN when there were none."""

    mean_s: Figure
    p50_s: Figure
    p95_s: Figure
    p99_s: Figure


class Overall(LatencyStats):
    """Every attempt that ended inside the window, whatever its transaction.

    Rates are per wall second (a compressed load test's second carries the
    request rate of the scenario moment it stands for). ``error_rate`` counts
    time-outs, refusals and errors over all attempts, as Locust counts them.
    Concurrency is in scenario users (requests in the system for an open
    workload), sampled over the window; ``peak_time`` is its ``HH:MM``.
    """

    requests: Count
    throughput_rps: Figure
    ok_rps: Figure
    error_rate: Figure
    timeouts: Count
    refusals: Count
    peak_concurrency: Figure
    peak_time: str
    mean_concurrency: Figure
    virtual_users_peak: Figure | None = None
    """Load tests: the largest number of Locust users actually running."""


class TransactionStats(LatencyStats):
    """One transaction's attempts in the window."""

    count: Count
    errors: Count
    error_rate: Figure


class TierStats(Stats):
    """One tier (c = instances x workers servers, one FIFO queue) over the window.

    ``utilization`` is busy server-seconds over c x the window's (wall) length.
    ``mean_wait_s`` is queueing before a server took the visit,
    ``mean_response_s`` waiting plus service. ``max_queue`` is the longest
    queue seen; ``refused_fraction`` the visits refused past ``queue_limit``.
    A simulation adds Little's law's two sides (``mean_in_tier`` sampled,
    ``littles_law_lw`` = throughput x mean response); a load test cannot.

    A tier whose workers share ``cores``: ``utilization`` is CPU busy over
    instances x cores, as the operating system reports it, and
    ``pool_occupancy`` the busy share of its c workers. A delay tier (an
    infinite server) has no utilization (``null``) and ``servers`` 0.
    """

    servers: int
    utilization: Figure
    pool_occupancy: Figure | None = None
    throughput_rps: Figure
    mean_wait_s: Figure
    mean_response_s: Figure
    max_queue: Count
    refusals: Count
    refused_fraction: Figure
    mean_in_tier: Figure | None = None
    littles_law_lw: Figure | None = None

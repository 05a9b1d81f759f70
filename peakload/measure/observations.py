"""The raw observations of one run, whichever engine made them.

A simulation and a load test see the same day from different sides, but what
they record reduces to the same few things, and :mod:`peakload.measure.reduce`
turns them into the same summary:

- :class:`Requests`: one row per attempt (its transaction, when it ended on
  the scenario clock, how long it took, how it ended);
- :class:`Population`: the users (or requests in the system) sampled over
  the run, beside the profile's target;
- per tier, either :class:`TierIntervals` (a simulation knows every visit's
  arrival, wait and service, and for a tier sharing cores a :class:`CpuTrace`)
  or :class:`TierCounters` (a load test samples the server's cumulative busy
  seconds, completions and queue every second);
- a :class:`Timebase` mapping the scenario clock to wall seconds, because a
  compressed load test's rates are per wall second.

Both tier kinds answer the same two questions, :meth:`stats` over a window and
:meth:`series` per minute, so the reducer never asks which engine it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from peakload.contract.summary import TierStats
from peakload.measure.stats import request_series, request_summary
from peakload.measure.tier_counters import TierCounters as TierCounters
from peakload.measure.tier_figures import TierFigures


@dataclass(frozen=True)
class Timebase:
    """How the scenario clock maps to wall seconds.

    ``clock = start_s + (wall - origin) * compress``: a load test compressed K
    times runs the scenario's day K times faster. A simulation's clock is its
    own wall (``compress`` 1), so rates per wall second are rates per
    simulated second.
    """

    compress: float = 1.0
    start_s: float = 0.0
    """The scenario clock at ``origin``."""
    origin: float = 0.0
    """The wall epoch at which the scenario clock read ``start_s``."""

    def clock(self, wall: np.ndarray | float) -> np.ndarray:
        """Wall epochs on the scenario clock."""
        return self.start_s + (np.asarray(wall) - self.origin) * self.compress

    def wall(self, clock: float) -> float:
        """A scenario clock as a wall epoch."""
        return self.origin + (clock - self.start_s) / self.compress


@dataclass(frozen=True)
class Requests:
    """Every attempt of the run, one array element each.

    ``transaction`` indexes ``names``; ``end`` is on the scenario clock;
    ``response`` is in seconds; ``outcome`` holds :class:`peakload.measure.stats.Outcome`
    values. A retried request is two attempts, as Locust counts them.
    """

    names: list[str]
    transaction: np.ndarray
    end: np.ndarray
    response: np.ndarray
    outcome: np.ndarray

    def summary(
        self, window: tuple[float, float], length_s: float | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``overall`` (request part) and ``transactions`` of the attempts that ended
        in ``window`` (:func:`peakload.measure.stats.request_summary`)."""
        return request_summary(
            self.end,
            self.response,
            self.outcome,
            self.transaction,
            self.names,
            window,
            length_s=length_s,
        )

    def series(self, edges: np.ndarray, wall_widths: np.ndarray) -> dict[str, np.ndarray]:
        """Per bin of ``edges``: :func:`peakload.measure.stats.request_series`."""
        return request_series(self.end, self.response, self.outcome, edges, wall_widths)

    def latencies_in(self, window: tuple[float, float]) -> np.ndarray:
        """The response times of attempts that ended in ``window`` (for ``compare``'s
        Mann-Whitney test), as float32 to keep ``latencies.npy`` small."""
        inside = (self.end >= window[0]) & (self.end < window[1])
        return self.response[inside].astype(np.float32)

    def latencies_by_transaction(self, window: tuple[float, float]) -> dict[str, np.ndarray]:
        """:meth:`latencies_in`, one array per transaction that has any (for
        ``compare``'s order-statistic intervals of a transaction's percentiles)."""
        inside = (self.end >= window[0]) & (self.end < window[1])
        response, transaction = self.response[inside], self.transaction[inside]
        found = {
            name: response[transaction == index].astype(np.float32)
            for index, name in enumerate(self.names)
        }
        return {name: values for name, values in found.items() if len(values)}


class RequestObservations(Protocol):
    """What the reducer asks of a run's attempts, however they were kept: every
    row (:class:`Requests`) or counted as they ended
    (:class:`peakload.measure.request_stream.RequestStream`)."""

    @property
    def names(self) -> list[str]:
        """The transactions, by index."""
        ...

    def summary(
        self, window: tuple[float, float], length_s: float | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``overall`` (request part) and ``transactions`` over ``window``."""
        ...

    def series(self, edges: np.ndarray, wall_widths: np.ndarray) -> dict[str, np.ndarray]:
        """The request columns of the per-minute series."""
        ...

    def latencies_in(self, window: tuple[float, float]) -> np.ndarray:
        """Response times in ``window`` for ``compare`` (float32)."""
        ...


@dataclass(frozen=True)
class Population:
    """Who was in the system, sampled over the run on the scenario clock.

    ``value`` is in scenario users (a load test run at a user scale F divides
    its virtual users by F); for an open workload, requests in the system.
    ``target`` is what the profile asked for at the same moments.
    ``virtual``, for a load test, keeps the real count of virtual users.
    """

    time: np.ndarray
    value: np.ndarray
    target: np.ndarray
    virtual: np.ndarray | None = None


class TierObservations(Protocol):
    """What a tier's observations must answer, however they were recorded."""

    @property
    def servers(self) -> int:
        """The tier's servers (instances x workers)."""
        ...

    def stats(self, window: tuple[float, float], timebase: Timebase) -> TierStats:
        """The tier's figures over ``window`` (scenario clock)."""
        ...

    def series(
        self, edges: np.ndarray, wall_widths: np.ndarray, timebase: Timebase
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per bin of ``edges`` (scenario clock): utilization and the longest queue."""
        ...


def cumulative_busy(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Busy server-seconds accumulated from the intervals [starts, ends) up to each ``at``."""
    s = np.sort(starts)
    e = np.sort(ends)
    cs = np.concatenate(([0.0], np.cumsum(s)))
    ce = np.concatenate(([0.0], np.cumsum(e)))
    ks = np.searchsorted(s, at)
    ke = np.searchsorted(e, at)
    return (at * ks - cs[ks]) - (at * ke - ce[ke])


@dataclass(frozen=True)
class CpuTrace:
    """The CPU of a tier whose workers share cores (``cores`` set on the tier).

    ``seconds[i]`` is the CPU seconds the tier's instances had spent by
    ``time[i]``, one point each time the number of busy cores changed (a
    visit started or ended). Between two points the busy cores are constant,
    so the cumulative CPU is exactly linear there: :meth:`spent` interpolates.
    ``cores`` is the whole tier's: instances x cores per instance.
    """

    time: np.ndarray
    seconds: np.ndarray
    cores: int

    def spent(self, at: np.ndarray) -> np.ndarray:
        """CPU seconds spent by each moment of ``at`` (0 before the first point)."""
        spent: np.ndarray = np.interp(at, self.time, self.seconds, left=0.0)
        return spent


@dataclass(frozen=True)
class TierIntervals(TierFigures):
    """A tier observed visit by visit, as a simulation sees it (scenario clock).

    Visits that got a server: when each ``arrivals``, how long it ``waits`` in
    the queue, how long its ``services`` hold the server. ``refusals`` are the
    moments a visit found the queue full. ``max_queue_by_minute`` is indexed by
    the minute of the day; ``in_tier`` (busy + queued) is sampled at
    ``sample_time``, for Little's law.

    Two kinds of tier read differently. A tier sharing cores (``cpu`` given)
    reports CPU busy over its cores as ``utilization``, what the operating
    system would show, and the busy share of its workers as
    ``pool_occupancy``; a service then lasts as long as the visit held its
    worker, slowed by the others sharing the cores. A ``delay`` tier (an
    infinite server, ``servers`` 0) has no utilization: NaN, never a division
    by its servers.
    """

    servers: int
    arrivals: np.ndarray
    waits: np.ndarray
    services: np.ndarray
    refusals: np.ndarray
    max_queue_by_minute: np.ndarray
    sample_time: np.ndarray
    in_tier: np.ndarray
    cpu: CpuTrace | None = None
    delay: bool = False

    def visits(self, arrived: tuple[float, float]) -> tuple[int, float, float]:
        """Visits that arrived in ``arrived``: how many, their summed waits and
        summed responses (wait + service)."""
        mask = (self.arrivals >= arrived[0]) & (self.arrivals < arrived[1])
        waits = self.waits[mask]
        return int(mask.sum()), float(waits.sum()), float((waits + self.services[mask]).sum())

    @property
    def service_starts(self) -> np.ndarray:
        return np.asarray(self.arrivals + self.waits)

    def busy_share(self, edges: np.ndarray, widths: np.ndarray) -> np.ndarray:
        """The utilization in each bin of ``edges`` (times of the visits' own clock)
        whose lengths on the wall are ``widths``: busy servers, or CPU over the
        cores of a tier sharing them; NaN for a delay tier."""
        if self.delay:
            return np.full(len(edges) - 1, np.nan)
        share: np.ndarray
        if self.cpu is not None:
            share = np.diff(self.cpu.spent(edges)) / (self.cpu.cores * widths)
        else:
            starts = self.service_starts
            busy = cumulative_busy(starts, starts + self.services, edges)
            share = np.diff(busy) / (self.servers * widths)
        return share

    def busy_seconds(self, window: tuple[float, float]) -> float:
        """Server-seconds of service done in ``window``: each visit's interval clipped."""
        starts = self.service_starts
        busy = cumulative_busy(starts, starts + self.services, np.array(window, dtype=float))
        return float(busy[1] - busy[0])

    def refusals_in(self, window: tuple[float, float]) -> int:
        """Visits refused in ``window``."""
        return int(np.count_nonzero((self.refusals >= window[0]) & (self.refusals < window[1])))

    def cpu_utilization(self, window: tuple[float, float], length: float) -> float | None:
        """CPU spent in ``window`` over the cores; None without a :class:`CpuTrace`."""
        if self.cpu is None:
            return None
        cpu = self.cpu.spent(np.array(window, dtype=float))
        return float(cpu[1] - cpu[0]) / (self.cpu.cores * length)

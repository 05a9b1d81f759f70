"""A tier's FIFO line of workers sharing cores, and what it records of every visit.

:class:`simulation.shared_tier.SharedTier` (workers sharing cores) takes a visit
that finds no free worker into this line, bounded by ``queue_limit``, and records
every visit into compact arrays: its arrival, its wait before service and its
service. It starts a visit that finds a worker free itself (the hot path, kept
inline there) and calls :meth:`Line.join` only when it must wait. (The plain
tier, :class:`simulation.tier.Tier`, keeps its own line and hands its visits to
a :class:`~peakload.measure.visit_stream.VisitStream` as the run goes, keeping
none; a cores tier still keeps every visit, and its CPU trace.)
"""

from __future__ import annotations

from array import array
from collections import deque
from typing import Protocol

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.measure.observations import CpuTrace, TierIntervals

NOT_KNOWN = float("nan")
"""A wait or a service not known yet: a visit still in the line, or still in service
at a tier that learns its service only when it leaves."""


class Visitor(Protocol):
    """What a tier calls back: the request that is being served."""

    def served(self, event: Timeout) -> None:
        """The service is done; the visitor must call the tier's ``release``."""
        ...


class Line:
    """A tier's FIFO line of at most ``queue_limit`` (None: unbounded) and its records.

    Times are simulated seconds after midnight; ``minutes`` is the length of the day
    the longest line is kept for, minute by minute.
    """

    __slots__ = (
        "arrivals",
        "env",
        "max_queue_by_minute",
        "name",
        "queue",
        "queue_limit",
        "refusals",
        "services",
        "waits",
    )

    def __init__(self, env: Environment, name: str, queue_limit: int | None, minutes: int):
        self.env = env
        self.name = name
        self.queue_limit = queue_limit
        """Most visitors that may wait; None for unbounded."""
        self.queue: deque[tuple[Visitor, float, int]] = deque()
        """Waiting visitors, first come first: (visitor, service or demand s, index of
        its visit)."""
        self.arrivals = array("d")
        """Arrival time of every accepted visit, in arrival order."""
        self.waits = array("d")
        """Each visit's wait (s) before service; NaN while it still waits."""
        self.services = array("d")
        """Each visit's service time (s); NaN while not known."""
        self.refusals = array("d")
        """Time of every refused visit (the line was full)."""
        self.max_queue_by_minute = [0] * (minutes + 1)
        """Longest line seen in each minute of the day (index: minute after midnight)."""

    def join(self, visitor: Visitor, service: float, now: float, recorded_service: float) -> bool:
        """Put the visitor at the end of the line, its service recorded as
        ``recorded_service`` for now; False if the line is full (refused)."""
        queue = self.queue
        if self.queue_limit is not None and len(queue) >= self.queue_limit:
            self.refusals.append(now)
            return False
        index = len(self.arrivals)
        self.arrivals.append(now)
        self.waits.append(NOT_KNOWN)
        self.services.append(recorded_service)
        queue.append((visitor, service, index))
        minute = int(now // 60.0)
        if len(queue) > self.max_queue_by_minute[minute]:
            self.max_queue_by_minute[minute] = len(queue)
        return True

    def recorded(
        self,
        servers: int,
        services: np.ndarray,
        sample_time: np.ndarray,
        in_tier: np.ndarray,
        cpu: CpuTrace | None = None,
    ) -> TierIntervals:
        """The visits that got a server, as the reducer reads them, with ``services``
        for all visits; those still in the line when the run ended are left out.
        ``in_tier`` is the monitor's sampling of busy + queued at ``sample_time``."""
        waits = np.frombuffer(self.waits)
        started = ~np.isnan(waits)
        return TierIntervals(
            servers=servers,
            arrivals=np.frombuffer(self.arrivals)[started],
            waits=waits[started],
            services=services[started],
            refusals=np.frombuffer(self.refusals),
            max_queue_by_minute=np.asarray(self.max_queue_by_minute),
            sample_time=sample_time,
            in_tier=in_tier,
            cpu=cpu,
        )

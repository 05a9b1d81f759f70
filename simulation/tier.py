"""A tier: c = instances x workers identical servers with one FIFO queue.

This is a SimPy resource in behaviour (requests are served in arrival order by
up to ``servers`` at once, the rest wait, ``queue_limit`` bounds the waiting
line) built for speed: a request that finds a free server pays for exactly one
SimPy ``Timeout`` (its service) and never touches a queue. Only a request that
has to wait is put in a deque; a server that finishes hands itself straight to
the head of the line. Holding the slot for the whole sampled service time
mirrors ``with tier.request() as req: yield req; yield env.timeout(s)``.

Every visit is recorded (arrival time, wait, service) into compact arrays, so
utilization, waits and Little's law are computed from the records afterwards,
not with bookkeeping on the hot path.
"""

from __future__ import annotations

from array import array
from collections import deque
from typing import Protocol

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.measure.observations import TierIntervals

_NOT_STARTED = float("nan")  # the wait of a visit still queued when the run ends


class Visitor(Protocol):
    """What a tier calls back: the request that is being served."""

    def served(self, event: Timeout) -> None:
        """The service is done; the visitor must call the tier's :meth:`Tier.release`."""
        ...


class Tier:
    """``servers`` identical servers and one FIFO queue of at most ``queue_limit``.

    A visitor calls :meth:`arrive` with its sampled service time and, when its
    ``served`` callback fires, :meth:`release`. Times are simulated seconds
    after midnight.
    """

    __slots__ = (
        "arrivals",
        "busy",
        "env",
        "max_queue_by_minute",
        "name",
        "queue",
        "queue_limit",
        "refusals",
        "servers",
        "services",
        "waits",
    )

    def __init__(
        self, env: Environment, name: str, servers: int, queue_limit: int | None, minutes: int
    ):
        self.env = env
        self.name = name
        self.servers = servers
        """Requests served at once (instances x workers); lowered while servers fail."""
        self.queue_limit = queue_limit
        """Most visitors that may wait; None for unbounded."""
        self.busy = 0
        """Servers at work now."""
        self.queue: deque[tuple[Visitor, float, int]] = deque()
        """Waiting visitors, first come first: (visitor, service s, index of its visit)."""
        self.arrivals = array("d")
        """Arrival time of every accepted visit, in arrival order."""
        self.waits = array("d")
        """Each visit's wait (s) before service; NaN while it still waits."""
        self.services = array("d")
        """Each visit's service time (s)."""
        self.refusals = array("d")
        """Time of every refused visit (the queue was full)."""
        self.max_queue_by_minute = [0] * (minutes + 1)
        """Longest queue seen in each minute of the day (index: minute after midnight)."""

    def arrive(self, visitor: Visitor, service: float) -> bool:
        """Start serving or queue the visitor; False if the queue is full (refused)."""
        env = self.env
        now = env._now  # private on purpose: see Request.__init__ (simulation/request.py)
        if self.busy < self.servers:
            self.busy += 1
            self.arrivals.append(now)
            self.waits.append(0.0)
            self.services.append(service)
            Timeout(env, service).callbacks.append(visitor.served)
            return True
        queue = self.queue
        if self.queue_limit is not None and len(queue) >= self.queue_limit:
            self.refusals.append(now)
            return False
        index = len(self.arrivals)
        self.arrivals.append(now)
        self.waits.append(_NOT_STARTED)
        self.services.append(service)
        queue.append((visitor, service, index))
        minute = int(now // 60.0)
        if len(queue) > self.max_queue_by_minute[minute]:
            self.max_queue_by_minute[minute] = len(queue)
        return True

    def release(self) -> None:
        """A server finished: give it to the longest-waiting visitor, or let it idle.

        While servers are lost (``busy`` above ``servers`` after a failure) a
        finishing server is not handed on: the tier shrinks as work drains.
        """
        if self.queue and self.busy <= self.servers:
            self._start_next()
        else:
            self.busy -= 1

    def _start_next(self) -> None:
        visitor, service, index = self.queue.popleft()
        env = self.env
        self.waits[index] = env._now - self.arrivals[index]
        Timeout(env, service).callbacks.append(visitor.served)

    def resize(self, servers: int) -> None:
        """Lose or regain servers (an instance fails or comes back). Requests in
        service finish; regained servers take the head of the line at once."""
        self.servers = servers
        while self.queue and self.busy < self.servers:
            self.busy += 1
            self._start_next()

    def intervals(self, sample_time: np.ndarray, in_tier: np.ndarray) -> TierIntervals:
        """The visits that got a server, as the reducer reads them; those still
        queued when the run ended are left out. ``in_tier`` is the monitor's
        sampling of busy + queued at ``sample_time``."""
        waits = np.frombuffer(self.waits)
        started = ~np.isnan(waits)
        return TierIntervals(
            servers=self.servers,
            arrivals=np.frombuffer(self.arrivals)[started],
            waits=waits[started],
            services=np.frombuffer(self.services)[started],
            refusals=np.frombuffer(self.refusals),
            max_queue_by_minute=np.asarray(self.max_queue_by_minute),
            sample_time=sample_time,
            in_tier=in_tier,
        )

"""A tier: c = instances x workers identical servers with one FIFO queue.

This is a SimPy resource in behaviour (requests are served in arrival order by
up to ``servers`` at once, the rest wait, ``queue_limit`` bounds the waiting
line) built for speed: a request that finds a free server pays for exactly one
SimPy ``Timeout`` (its service) and never touches a queue. Only a request that
has to wait is put in a deque; a server that finishes hands itself straight to
the head of the line. Holding the slot for the whole sampled service time
mirrors ``with tier.request() as req: yield req; yield env.timeout(s)``.

Every visit is recorded as its service starts (arrival time, wait, service)
into compact arrays, which the monitor hands, about once a simulated second,
to the tier's :class:`~peakload.measure.visit_stream.VisitStream` (:meth:`Tier.flush`):
utilization, waits and Little's law come from its per-minute sums, no
bookkeeping on the hot path and no record kept once a visit is counted.
"""

from __future__ import annotations

from array import array
from collections import deque

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.measure.visit_stream import VisitStream
from simulation.line import Visitor


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
        "stream",
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
        self.queue: deque[tuple[Visitor, float, float]] = deque()
        """Waiting visitors, first come first: (visitor, service s, arrival time)."""
        self.arrivals = array("d")
        """Arrival time of each visit whose service started since the last flush."""
        self.waits = array("d")
        """Each such visit's wait (s) before service."""
        self.services = array("d")
        """Each visit's service time (s)."""
        self.refusals = array("d")
        """Time of every refused visit (the queue was full)."""
        self.max_queue_by_minute = [0] * (minutes + 1)
        """Longest queue seen in each minute of the day (index: minute after midnight)."""
        self.stream = VisitStream(servers, np.array([0.0, float(minutes + 1) * 60.0]))
        """Where :meth:`flush` counts the visits (the model gives it the run's grid)."""

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
        queue.append((visitor, service, now))
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
        visitor, service, arrival = self.queue.popleft()
        env = self.env
        now = env._now
        self.arrivals.append(arrival)
        self.waits.append(now - arrival)
        self.services.append(service)
        Timeout(env, service).callbacks.append(visitor.served)

    def resize(self, servers: int) -> None:
        """Lose or regain servers (an instance fails or comes back). Requests in
        service finish; regained servers take the head of the line at once."""
        self.servers = servers
        while self.queue and self.busy < self.servers:
            self.busy += 1
            self._start_next()

    def flush(self) -> None:
        """Hand the visits recorded since the last flush to :attr:`stream`, and forget them."""
        if self.arrivals:
            self.stream.add(
                np.array(self.arrivals),
                np.array(self.waits),
                np.array(self.services),
            )
            del self.arrivals[:], self.waits[:], self.services[:]
        if self.refusals:
            self.stream.refuse(np.array(self.refusals))
            del self.refusals[:]

    def intervals(self, sample_time: np.ndarray, in_tier: np.ndarray) -> VisitStream:
        """The visits that got a server, as the reducer reads them; those still
        queued when the run ended are left out. ``in_tier`` is the monitor's
        sampling of busy + queued at ``sample_time``."""
        self.flush()
        self.stream.servers = self.servers
        return self.stream.finish(np.asarray(self.max_queue_by_minute), sample_time, in_tier)

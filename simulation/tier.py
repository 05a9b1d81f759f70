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

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.measure.observations import TierIntervals
from simulation.line import Line, Visitor


class Tier(Line):
    """``servers`` identical servers and one FIFO queue of at most ``queue_limit``.

    A visitor calls :meth:`arrive` with its sampled service time and, when its
    ``served`` callback fires, :meth:`release`. Times are simulated seconds
    after midnight.
    """

    __slots__ = ("busy", "servers")

    def __init__(
        self, env: Environment, name: str, servers: int, queue_limit: int | None, minutes: int
    ):
        super().__init__(env, name, queue_limit, minutes)
        self.servers = servers
        """Requests served at once (instances x workers); lowered while servers fail."""
        self.busy = 0
        """Servers at work now."""

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
        return self.join(visitor, service, now, service)

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
        return self.recorded(self.servers, np.frombuffer(self.services), sample_time, in_tier)

"""A delay tier: an infinite server, where a request spends its demand and never waits.

A scenario's ``kind = "delay"`` tier (:class:`peakload.core.scenario.TierKind`)
stands for the time a response carries that no queue explains: HTTP parsing,
the framework, JSON, the network. Every visit is served at once for its
sampled demand, whatever else is there, so the tier adds exactly its mean
demand to a request's mean response, and it has no servers, no queue, no
refusals and no utilization. In queueing terms it is an M/G/infinity station,
a *delay centre* of mean value analysis.

It answers the same calls as :class:`simulation.tier.Tier` (a request cannot
tell them apart): :meth:`DelayTier.arrive` starts one SimPy ``Timeout`` for
the demand, the visitor's ``served`` callback ends it, and
:meth:`DelayTier.release` forgets it. ``busy`` counts the visits in progress,
which the monitor samples for Little's law.
"""

from __future__ import annotations

from array import array

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.measure.visit_stream import VisitStream
from simulation.line import Visitor


class DelayTier:
    """Holds every visitor for its demand, all at once; nobody queues."""

    __slots__ = ("arrivals", "busy", "env", "minutes", "name", "queue", "services", "stream")

    servers = 0
    """A delay has no servers: nothing is divided by this (its utilization is NaN)."""

    def __init__(self, env: Environment, name: str, minutes: int):
        self.env = env
        self.name = name
        self.minutes = minutes
        """Minutes of the day the run spans (the length of its per-minute records)."""
        self.busy = 0
        """Visits in progress now."""
        self.queue: tuple[()] = ()
        """Always empty: nobody waits at a delay (the monitor reads ``len(queue)``)."""
        self.arrivals = array("d")
        """Arrival time of every visit."""
        self.services = array("d")
        """Each visit's demand (s): the time it spends here."""
        self.stream = VisitStream(0, np.array([0.0, float(minutes + 1) * 60.0]), delay=True)
        """Where :meth:`flush` counts the visits (the model gives it the run's grid)."""

    def arrive(self, visitor: Visitor, service: float) -> bool:
        """Hold the visitor for ``service`` seconds; never refused."""
        env = self.env
        self.busy += 1
        self.arrivals.append(env._now)  # private on purpose: see simulation/request.py
        self.services.append(service)
        Timeout(env, service).callbacks.append(visitor.served)
        return True

    def release(self) -> None:
        """A visit ended."""
        self.busy -= 1

    def flush(self) -> None:
        """Hand the visits recorded since the last flush to :attr:`stream`, and forget them."""
        if self.arrivals:
            arrivals = np.array(self.arrivals)
            self.stream.add(arrivals, np.zeros(len(arrivals)), np.array(self.services))
            del self.arrivals[:], self.services[:]

    def intervals(self, sample_time: np.ndarray, in_tier: np.ndarray) -> VisitStream:
        """Every visit, with no wait, as the reducer reads a delay."""
        self.flush()
        return self.stream.finish(np.zeros(self.minutes + 1, dtype=int), sample_time, in_tier)

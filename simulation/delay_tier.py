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

from peakload.measure.observations import TierIntervals
from simulation.line import Visitor


class DelayTier:
    """Holds every visitor for its demand, all at once; nobody queues."""

    __slots__ = ("arrivals", "busy", "env", "minutes", "name", "queue", "services")

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

    def intervals(self, sample_time: np.ndarray, in_tier: np.ndarray) -> TierIntervals:
        """Every visit, with no wait, as the reducer reads a delay."""
        arrivals = np.frombuffer(self.arrivals)
        return TierIntervals(
            servers=0,
            arrivals=arrivals,
            waits=np.zeros(len(arrivals)),
            services=np.frombuffer(self.services),
            refusals=np.zeros(0),
            max_queue_by_minute=np.zeros(self.minutes + 1, dtype=int),
            sample_time=sample_time,
            in_tier=in_tier,
            delay=True,
        )

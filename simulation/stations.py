"""The three ways a tier serves, and the one place that picks one for a scenario's tier.

- ``kind = "queue"`` (the default): ``instances x workers`` servers and one
  FIFO queue; a request holds a server for its demand
  (:class:`~simulation.tier.Tier`).
- the same with ``cores`` set: each instance a pool of ``workers`` sharing its
  ``cores`` by processor sharing, one FIFO line for a worker
  (:class:`~simulation.shared_tier.SharedTier`).
- ``kind = "delay"``: an infinite server; each request spends its demand and
  nobody waits (:class:`~simulation.delay_tier.DelayTier`).

A request cannot tell them apart: it calls ``arrive(visitor, demand)``, hears
``served`` and calls ``release()``. The model's monitor reads ``busy`` and
``queue``, failures call ``resize`` (never on a delay, which the scenario
refuses to fail), and the run's records come from ``intervals``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from simpy import Environment

from peakload.core.scenario import Tier as TierSpec
from peakload.measure.observations import TierIntervals
from peakload.measure.visit_stream import VisitStream
from simulation.delay_tier import DelayTier
from simulation.line import Visitor
from simulation.shared_tier import SharedTier
from simulation.tier import Tier


class Station(Protocol):
    """What a request, the monitor and the records ask of any tier."""

    name: str
    busy: int
    """Visits in service now."""

    @property
    def queue(self) -> object:
        """The waiting visits (only their number, ``len(queue)``, is read outside)."""
        ...

    def arrive(self, visitor: Visitor, service: float) -> bool:
        """Serve or queue the visitor for ``service`` seconds of demand; False if refused."""
        ...

    def release(self) -> None:
        """The visitor's service ended (called from its ``served`` callback)."""
        ...

    def intervals(
        self, sample_time: np.ndarray, in_tier: np.ndarray
    ) -> TierIntervals | VisitStream:
        """The run's visits, as the reducer reads them."""
        ...


def build_station(env: Environment, spec: TierSpec, minutes: int) -> Tier | SharedTier | DelayTier:
    """The simulator's tier for the scenario's ``spec``; ``minutes`` spans the run."""
    if spec.is_delay:
        return DelayTier(env, spec.name, minutes)
    if spec.cores is not None:
        return SharedTier(
            env,
            spec.name,
            spec.instances,
            spec.workers,
            spec.cores,
            spec.queue_limit,
            minutes,
            background=spec.background,
        )
    return Tier(env, spec.name, spec.servers, spec.queue_limit, minutes)

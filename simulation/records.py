"""What one simulation run recorded, as the reducer's observations.

The model counts every attempt into a
:class:`~peakload.measure.request_stream.RequestStream` and every visit into
its tier's :class:`~peakload.measure.visit_stream.VisitStream` while it runs
(no row is kept once counted); the monitor's samples, one per tick, are views
of its ``array`` buffers. :meth:`RunRecords.observations` hands them to
:mod:`peakload.measure.reduce`, the same reducer a load test's measurements go
through. A tier sharing cores still keeps its visits
(:class:`~peakload.measure.observations.TierIntervals`, from
:meth:`simulation.stations.Station.intervals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakload.core.workload import ClosedWorkload
from peakload.measure.observations import Population, TierIntervals
from peakload.measure.reduce import Observations
from peakload.measure.request_stream import RequestStream
from peakload.measure.visit_stream import VisitStream
from simulation.model import Model


@dataclass(frozen=True)
class RunRecords:
    """Every attempt counted, every monitor tick and every tier of one run.

    ``closed``: users who think (their count is the population), else an open
    workload, whose population is the requests in the system.
    """

    start_s: float
    end_s: float
    closed: bool
    requests: RequestStream
    sample_time: np.ndarray  # the monitor's ticks
    target: np.ndarray
    concurrency: np.ndarray
    in_tier: dict[str, np.ndarray]
    tiers: dict[str, TierIntervals | VisitStream]

    @property
    def transaction_names(self) -> list[str]:
        return self.requests.names

    @property
    def attempts(self) -> int:
        """Attempts the run sent and saw end."""
        return self.requests.attempts

    @property
    def population(self) -> np.ndarray:
        """Users for a closed workload; requests in the system for an open one."""
        if self.closed:
            return self.concurrency
        return np.sum(list(self.in_tier.values()), axis=0)

    @classmethod
    def of(cls, model: Model) -> RunRecords:
        samples = model.samples
        sample_time = np.frombuffer(samples.time)
        in_tier = {name: np.frombuffer(samples.in_tier[name]) for name in model.tiers}
        model.flush()
        return cls(
            start_s=model.start_s,
            end_s=model.end_s,
            closed=isinstance(model.scenario.workload, ClosedWorkload),
            requests=model.requests,
            sample_time=sample_time,
            target=np.frombuffer(samples.target),
            concurrency=np.frombuffer(samples.concurrency),
            in_tier=in_tier,
            tiers={
                name: tier.intervals(sample_time, in_tier[name])
                for name, tier in model.tiers.items()
            },
        )

    def observations(self) -> Observations:
        """The run as the reducer's observations (simulated clock = wall clock)."""
        return Observations(
            requests=self.requests,
            population=Population(self.sample_time, self.population, self.target),
            tiers=dict(self.tiers),
            span=(self.start_s, self.end_s),
        )

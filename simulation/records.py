"""What one simulation run recorded, as numpy arrays, and as the reducer's observations.

The model appends to flat ``array`` buffers while it runs (cheap on the hot
path); :meth:`RunRecords.of` views them as numpy arrays without copying, and
:meth:`RunRecords.observations` hands them to :mod:`peakload.measure.reduce`,
the same reducer a load test's measurements go through. A simulation sees
every visit, so its tiers are :class:`~peakload.measure.observations.TierIntervals`
(each tier kind writes its own: :meth:`simulation.stations.Station.intervals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakload.core.workload import ClosedWorkload
from peakload.measure.observations import Population, Requests, TierIntervals
from peakload.measure.reduce import Observations
from simulation.model import Model


@dataclass(frozen=True)
class RunRecords:
    """Every attempt, every monitor tick and every tier visit of one run.

    ``closed``: users who think (their count is the population), else an open
    workload, whose population is the requests in the system.
    """

    start_s: float
    end_s: float
    closed: bool
    transaction_names: list[str]
    transaction: np.ndarray  # per attempt: index into transaction_names
    start: np.ndarray
    end: np.ndarray
    outcome: np.ndarray  # peakload.measure.stats.Outcome values
    sample_time: np.ndarray  # the monitor's ticks
    target: np.ndarray
    concurrency: np.ndarray
    tiers: dict[str, TierIntervals]

    @property
    def response(self) -> np.ndarray:
        return self.end - self.start

    @property
    def population(self) -> np.ndarray:
        """Users for a closed workload; requests in the system for an open one."""
        if self.closed:
            return self.concurrency
        return np.sum([t.in_tier for t in self.tiers.values()], axis=0)

    @classmethod
    def of(cls, model: Model) -> RunRecords:
        attempts, samples = model.attempts, model.samples
        sample_time = np.frombuffer(samples.time)
        return cls(
            start_s=model.start_s,
            end_s=model.end_s,
            closed=isinstance(model.scenario.workload, ClosedWorkload),
            transaction_names=model.transaction_names,
            transaction=np.frombuffer(attempts.transaction, dtype=np.int32),
            start=np.frombuffer(attempts.start),
            end=np.frombuffer(attempts.end),
            outcome=np.frombuffer(attempts.outcome, dtype=np.int8),
            sample_time=sample_time,
            target=np.frombuffer(samples.target),
            concurrency=np.frombuffer(samples.concurrency),
            tiers={
                name: tier.intervals(sample_time, np.frombuffer(samples.in_tier[name]))
                for name, tier in model.tiers.items()
            },
        )

    def observations(self) -> Observations:
        """The run as the reducer's observations (simulated clock = wall clock)."""
        return Observations(
            requests=Requests(
                names=self.transaction_names,
                transaction=self.transaction,
                end=self.end,
                response=self.response,
                outcome=self.outcome,
            ),
            population=Population(self.sample_time, self.population, self.target),
            tiers=dict(self.tiers),
            span=(self.start_s, self.end_s),
        )

"""The records of one simulation run, as numpy arrays for the statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.model import Model
from simulation.tier import Tier


@dataclass(frozen=True)
class TierRecords:
    servers: int
    arrivals: np.ndarray  # when each served visit arrived at the tier
    waits: np.ndarray  # time spent queueing before a server took it
    services: np.ndarray  # time the server was held
    refusals: np.ndarray  # when a visit found the queue full
    max_queue_by_minute: np.ndarray  # index: minute of the day
    in_tier: np.ndarray  # busy + queued, sampled every tick

    @property
    def service_starts(self) -> np.ndarray:
        return self.arrivals + self.waits

    @classmethod
    def of(cls, tier: Tier, in_tier: np.ndarray) -> TierRecords:
        """Visits that got a server; those still queued when the run ended are left out."""
        waits = np.frombuffer(tier.waits)
        started = ~np.isnan(waits)
        return cls(
            servers=tier.servers,
            arrivals=np.frombuffer(tier.arrivals)[started],
            waits=waits[started],
            services=np.frombuffer(tier.services)[started],
            refusals=np.frombuffer(tier.refusals),
            max_queue_by_minute=np.asarray(tier.max_queue_by_minute),
            in_tier=in_tier,
        )


@dataclass(frozen=True)
class RunRecords:
    start_s: float
    end_s: float
    transaction_names: list[str]
    transaction: np.ndarray  # per attempt: index into transaction_names
    start: np.ndarray
    end: np.ndarray
    outcome: np.ndarray  # simulation.model.Outcome values
    sample_time: np.ndarray  # the monitor's ticks
    target: np.ndarray
    concurrency: np.ndarray
    tiers: dict[str, TierRecords]

    @property
    def response(self) -> np.ndarray:
        return self.end - self.start

    @classmethod
    def of(cls, model: Model) -> RunRecords:
        attempts, samples = model.attempts, model.samples
        return cls(
            start_s=model.start_s,
            end_s=model.end_s,
            transaction_names=model.transaction_names,
            transaction=np.frombuffer(attempts.transaction, dtype=np.int32),
            start=np.frombuffer(attempts.start),
            end=np.frombuffer(attempts.end),
            outcome=np.frombuffer(attempts.outcome, dtype=np.int8),
            sample_time=np.frombuffer(samples.time),
            target=np.frombuffer(samples.target),
            concurrency=np.frombuffer(samples.concurrency),
            tiers={
                name: TierRecords.of(tier, np.frombuffer(samples.in_tier[name]))
                for name, tier in model.tiers.items()
            },
        )

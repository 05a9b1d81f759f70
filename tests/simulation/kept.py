"""Every attempt and visit of a simulated run, kept in full: for tests that must see rows.

The model counts attempts and visits into streams and forgets them
(:meth:`simulation.model.Model.flush`); a test of the model's behaviour (this
retry came one second after that time-out, the drill left two servers) needs
the rows. :func:`run_kept` runs a model with its flush tapped: each buffer is
copied before it is counted and emptied, so the rows are exactly what the
streams counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peakload.measure.observations import TierIntervals
from simulation.delay_tier import DelayTier
from simulation.model import Model
from simulation.tier import Tier


@dataclass
class KeptTier:
    arrivals: list[np.ndarray] = field(default_factory=list)
    waits: list[np.ndarray] = field(default_factory=list)
    services: list[np.ndarray] = field(default_factory=list)
    refusals: list[np.ndarray] = field(default_factory=list)


@dataclass
class Kept:
    """The rows of one run, as :class:`simulation.records.RunRecords` had them."""

    model: Model
    transaction_names: list[str]
    transaction: np.ndarray
    start: np.ndarray
    end: np.ndarray
    outcome: np.ndarray
    tiers: dict[str, TierIntervals]

    @property
    def sample_time(self) -> np.ndarray:
        return np.frombuffer(self.model.samples.time)

    @property
    def concurrency(self) -> np.ndarray:
        return np.frombuffer(self.model.samples.concurrency)

    @property
    def target(self) -> np.ndarray:
        return np.frombuffer(self.model.samples.target)

    @property
    def response(self) -> np.ndarray:
        return self.end - self.start


def run_kept(model: Model) -> Kept:
    """Run ``model`` keeping every attempt and every visit that got a server."""
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("transaction", "start", "end", "outcome")}
    tiers = {n: KeptTier() for n, t in model.tiers.items() if isinstance(t, Tier | DelayTier)}
    flush = model.flush

    def tapped() -> None:
        attempts = model.attempts
        for key in rows:
            rows[key].append(np.array(getattr(attempts, key)))
        for name, kept in tiers.items():
            tier = model.tiers[name]
            kept.arrivals.append(np.array(tier.arrivals))
            kept.services.append(np.array(tier.services))
            if isinstance(tier, Tier):
                kept.waits.append(np.array(tier.waits))
                kept.refusals.append(np.array(tier.refusals))
            else:
                kept.waits.append(np.zeros(len(tier.arrivals)))
        flush()

    model.flush = tapped  # type: ignore[method-assign]
    model.run()
    joined = {k: np.concatenate(v) if v else np.zeros(0) for k, v in rows.items()}
    return Kept(
        model=model,
        transaction_names=model.transaction_names,
        transaction=joined["transaction"].astype(np.int32),
        start=joined["start"],
        end=joined["end"],
        outcome=joined["outcome"].astype(np.int8),
        tiers={
            name: TierIntervals(
                servers=model.tiers[name].servers,
                arrivals=np.concatenate(kept.arrivals),
                waits=np.concatenate(kept.waits),
                services=np.concatenate(kept.services),
                refusals=np.concatenate(kept.refusals or [np.zeros(0)]),
                max_queue_by_minute=np.asarray(
                    getattr(model.tiers[name], "max_queue_by_minute", [0])
                ),
                sample_time=np.frombuffer(model.samples.time),
                in_tier=np.frombuffer(model.samples.in_tier[name]),
            )
            for name, kept in tiers.items()
        },
    )

"""Open-workload arrivals on the clock: a Poisson process, thinned for a varying rate.

The simulator's open workload (``simulation/model.py``) draws candidate
arrivals at the profile's peak rate ``λmax`` and keeps each with probability
``λ(t) / λmax`` (Lewis and Shedler's thinning), so the kept arrivals form a
Poisson process of rate ``λ(t)``. The load test draws its schedule the same
way, in wall seconds of the (compressed) run, *before* knowing any answer: an
arrival is due at its time whatever the system did with the previous ones.
That is what makes the workload open. A generator that waits for an answer
before drawing the next gap (Locust's users, or the former pool of
``FlowArrivalUser``) is a closed loop however large its population: its rate
falls when responses slow, which hides exactly the overload it should show
(coordinated omission).

With ``--workers N`` each process draws an independent Poisson process of
rate ``λ(t) / N`` from its own seed; their superposition is a Poisson process
of rate ``λ(t)``, so the workers share the rate without talking to each other.

What arrives is a *flow start*. A flow of several steps runs them back to
back on one user, so the requests per second are the flows per second times
the mean steps per flow; with one-step flows (every transaction a flow of its
own) the request stream is exactly the simulator's.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peakload.core.sampling import SampleStream


@dataclass(frozen=True)
class ArrivalRate:
    """Flow starts per wall second of the run, for one generator process.

    ``at(t)`` is the rate ``t`` wall seconds into the run; ``peak`` bounds it
    (the thinning envelope); ``constant`` skips the thinning draw.
    """

    at: Callable[[float], float]
    peak: float
    constant: bool


def poisson_schedule(
    rate: ArrivalRate, duration_s: float, rng: np.random.Generator
) -> Iterator[float]:
    """Arrival times (wall seconds from the run's start) in ``[0, duration_s)``.

    A lazy generator, so a day-long schedule costs nothing up front. Candidate
    gaps are exponential at ``rate.peak``; each candidate is kept with
    probability ``rate.at(t) / rate.peak``.
    """
    if rate.peak <= 0:
        return
    gaps = SampleStream(lambda n: rng.exponential(1.0 / rate.peak, n))
    keep = SampleStream(lambda n: rng.random(n))
    t = gaps.next()
    while t < duration_s:
        if rate.constant or keep.next() * rate.peak < rate.at(t):
            yield t
        t += gaps.next()


class ArrivalLog:
    """What one generator process scheduled and started, and its pool each second.

    One row per scheduled arrival: ``scheduled`` (wall epoch), ``began`` (wall
    epoch at which its flow's first request was about to be sent, NaN if it
    never began), ``dropped`` (1: no free user and the pool at its cap) and
    ``waited_sign_in`` (1: its user was still signing in: one the pool just
    added, or one of the first users at the run's start).
    """

    def __init__(self) -> None:
        self.scheduled = array("d")
        self.began = array("d")
        self.dropped = array("b")
        self.waited_sign_in = array("b")
        self.sample_wall = array("d")
        self.pool_users = array("i")
        self.pool_busy = array("i")

    def add(self, scheduled: float, *, dropped: bool, waited_sign_in: bool) -> int:
        """Record one arrival; returns its row, for :meth:`began_at`."""
        self.scheduled.append(scheduled)
        self.began.append(float("nan"))
        self.dropped.append(1 if dropped else 0)
        self.waited_sign_in.append(1 if waited_sign_in else 0)
        return len(self.scheduled) - 1

    def began_at(self, row: int, wall: float) -> None:
        self.began[row] = wall

    def sample(self, wall: float, users: int, busy: int) -> None:
        self.sample_wall.append(wall)
        self.pool_users.append(users)
        self.pool_busy.append(busy)

    def save(self, path: Path) -> None:
        np.savez(
            path,
            scheduled=np.frombuffer(self.scheduled),
            began=np.frombuffer(self.began),
            dropped=np.frombuffer(self.dropped, dtype=np.int8),
            waited_sign_in=np.frombuffer(self.waited_sign_in, dtype=np.int8),
            sample_wall=np.frombuffer(self.sample_wall),
            pool_users=np.frombuffer(self.pool_users, dtype=np.int32),
            pool_busy=np.frombuffer(self.pool_busy, dtype=np.int32),
        )


ARRIVAL_KEYS = ("scheduled", "began", "dropped", "waited_sign_in")
SAMPLE_KEYS = ("sample_wall", "pool_users", "pool_busy")


def load_arrivals(paths: list[Path]) -> dict[str, np.ndarray] | None:
    """Every process's arrival log, concatenated (pool samples keep a ``process`` column
    so per-process pools can be summed); None when no process scheduled arrivals."""
    parts = [dict(np.load(p)) for p in paths]
    if not parts:
        return None
    merged = {k: np.concatenate([p[k] for p in parts]) for k in ARRIVAL_KEYS + SAMPLE_KEYS}
    merged["process"] = np.concatenate(
        [np.full(len(p["sample_wall"]), i, dtype=np.int32) for i, p in enumerate(parts)]
    )
    merged["processes"] = np.array(len(parts))
    return merged

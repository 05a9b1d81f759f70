"""What one request's passage through one tier was: a :class:`Visit`, or a refusal.

Every kind of tier (slots, shared cores, a delay) answers ``serve(demand)``
with a :class:`Visit` whose times are on the tier's *schedule*: when the
request reached the tier and when, by the scenario's rules, it was done.
The schedule ignores the event loop's lag (a wake-up that comes late), so
``finished - arrived`` is the time the tier charged, the figure the model
predicts; the lag shows only in what clients measure. A tier that is full
raises :class:`Overloaded` instead (-> 503 with Retry-After).
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Visit:
    """One request at one tier, on the tier's schedule (``time.perf_counter`` seconds)."""

    tier: str
    arrived: float
    """When the request reached the tier."""
    finished: float
    """When the tier was done with it: after any wait and its whole demand."""
    demand: float
    """The service demand it brought (seconds of a server, or CPU seconds)."""

    @property
    def response_s(self) -> float:
        """Seconds at the tier: waiting (or sharing) plus service."""
        return self.finished - self.arrived


class Overloaded(Exception):
    """A tier refused the request: ``queue_limit`` others were already waiting."""

    def __init__(self, tier: str, waiting: int, retry_after_s: int):
        super().__init__(f"tier {tier} is overloaded: {waiting} requests already waiting")
        self.tier = tier
        self.retry_after_s = retry_after_s


class QueueCounters(Protocol):
    """What a tier with servers and a queue counts (slots, or workers sharing cores);
    ``servers``, ``lost`` and ``busy`` may be computed, and ``waiting`` is whatever
    line the tier keeps (read-only, so any sized one will do)."""

    max_queue: int
    completions: int
    wait_seconds: float
    refusals: int

    @property
    def servers(self) -> int: ...

    @property
    def lost(self) -> int: ...

    @property
    def busy(self) -> int: ...

    @property
    def waiting(self) -> Sized: ...


def queue_stats(tier: QueueCounters, busy_seconds: float) -> dict[str, float]:
    """A queue tier's figures for /admin/stats, ``busy_seconds`` as the tier counts them
    (slot-seconds, or CPU seconds for a tier with cores)."""
    return {
        "servers": tier.servers,
        "lost": tier.lost,
        "busy": tier.busy,
        "queue": len(tier.waiting),
        "max_queue": tier.max_queue,
        "completions": tier.completions,
        "busy_seconds": round(busy_seconds, 6),
        "wait_seconds": round(tier.wait_seconds, 6),
        "refusals": tier.refusals,
    }

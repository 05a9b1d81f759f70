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

from dataclasses import dataclass


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

"""A delay tier: an infinite server, the time a response carries that no queue explains.

A tier of kind ``delay`` (:class:`peakload.core.scenario.TierKind`) holds each
request for its sampled demand and lets it go: no slot, no queue, no
refusal, however many requests it holds at once. It stands for HTTP
parsing, the framework, JSON and the network, which ``calibrate`` estimates
per transaction.

It keeps time on the schedule, as the slots do (:mod:`mock_server.capacity`):
a request is due back at ``arrived + demand`` and sleeps only what is left
of that, so the visit it reports takes exactly its demand, whatever the
event loop's lag. Its counters are requests held (``completions``) and the
seconds they were held (``held_seconds``); there is no busy or servers
figure, since a delay has no capacity that a utilization could be a share of.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from mock_server.visit import Visit


class DelayTier:
    """Holds each request for its demand; never queues, never refuses."""

    def __init__(self, name: str, clock: Callable[[], float] = time.perf_counter):
        self.name = name
        self.clock = clock
        self.completions = 0
        self.held_seconds = 0.0
        self.holding = 0  # requests held now

    async def serve(self, demand: float) -> Visit:
        """Hold the request until ``demand`` seconds after it arrived (on the schedule)."""
        arrived = self.clock()
        due = arrived + demand
        self.holding += 1
        try:
            await asyncio.sleep(max(0.0, due - self.clock()))
        finally:
            self.holding -= 1
            self.completions += 1
            self.held_seconds += demand
        return Visit(self.name, arrived, due, demand)

    def stats(self) -> dict[str, float]:
        """The delay's figures for /admin/stats (``delays``): no busy, no servers."""
        return {
            "completions": self.completions,
            "held_seconds": round(self.held_seconds, 6),
            "holding": self.holding,
        }

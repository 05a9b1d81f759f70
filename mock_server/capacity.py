"""Capacity emulation: the scenario's tiers as pools of asyncio slots.

Each tier is c = instances x workers slots. A request holds a slot for a
service time sampled from its transaction's demand at that tier (it sleeps,
it does not burn CPU, so a 2-core machine can emulate a large system), then
moves on to the next tier in the scenario's order. A request that finds more
than ``queue_limit`` others waiting is refused at once (``Overloaded`` -> 503
with Retry-After). FIFO hand-off: a released slot goes straight to the
longest-waiting request, as in the SimPy model.

Slots keep time on a schedule, not on when the event loop gets round to
them. ``asyncio.sleep(s)`` returns late by the loop's lag (a busy server, a
shared CPU: measured +20 ms a visit at a load average of 10 on 2 cores, with
2-4 ms demands), and a slot held for service + lag is a slower tier than the
scenario's: the April db tier showed 69 % utilization instead of the model's
52 %. So a request holds its slot until ``start + service`` on the schedule:
a slot handed on by a late release starts the next request at the time the
previous one was due to finish (never before that request arrived), and it
sleeps only what is left. Busy and wait seconds are the scheduled ones, as
in the model; the lag shows only in the response times clients measure.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from peakload.core.sampling import SampleStream, named_rng
from peakload.core.scenario import Scenario


class Overloaded(Exception):
    def __init__(self, tier: str, waiting: int, retry_after_s: int):
        super().__init__(f"tier {tier} is overloaded: {waiting} requests already waiting")
        self.tier = tier
        self.retry_after_s = retry_after_s


@dataclass
class TierPool:
    name: str
    servers: int
    queue_limit: int | None
    retry_after_s: int = 1  # what a refused client is told to wait
    busy: int = 0
    waiting: deque[asyncio.Future[float]] = field(default_factory=deque)
    completions: int = 0
    busy_seconds: float = 0.0
    wait_seconds: float = 0.0
    refusals: int = 0
    max_queue: int = 0

    async def acquire(self, arrived: float) -> float:
        """A slot; returns when it was free for this request on the schedule."""
        if self.busy < self.servers and not self.waiting:
            self.busy += 1
            return arrived
        if self.queue_limit is not None and len(self.waiting) >= self.queue_limit:
            self.refusals += 1
            raise Overloaded(self.name, len(self.waiting), self.retry_after_s)
        slot: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting.append(slot)
        self.max_queue = max(self.max_queue, len(self.waiting))
        try:
            freed = await slot
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled():
                self.release(slot.result())  # handed a slot just as we were cancelled
            else:
                self.waiting.remove(slot)
            raise
        return max(arrived, freed)

    def release(self, due: float) -> None:
        """Free a slot that was due back at ``due`` (schedule time)."""
        while self.waiting:
            slot = self.waiting.popleft()
            if not slot.done():
                slot.set_result(due)  # the slot passes on; busy stays the same
                return
        self.busy -= 1

    async def serve(self, service_s: float) -> None:
        arrived = time.perf_counter()
        started = await self.acquire(arrived)
        due = started + service_s
        self.wait_seconds += started - arrived
        try:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        finally:
            self.busy_seconds += service_s
            self.completions += 1
            self.release(due)


class Capacity:
    """All tiers of one scenario and, per transaction, the tiers it visits with their
    service-time streams. Transactions the scenario leaves out are not emulated."""

    def __init__(self, scenario: Scenario | None, seed: int = 1):
        self.tiers: dict[str, TierPool] = {}
        self.routes: dict[str, list[tuple[TierPool, SampleStream]]] = {}
        if scenario is None:
            return
        retry_after_s = max(1, round(scenario.workload.retry_delay_s))
        root = np.random.SeedSequence(seed)
        self.tiers = {
            t.name: TierPool(t.name, t.servers, t.queue_limit, retry_after_s)
            for t in scenario.tiers
        }
        for txn in scenario.transactions:
            self.routes[txn.name] = [
                (
                    self.tiers[tier],
                    SampleStream.of(txn.demand[tier], named_rng(root, f"{txn.name}@{tier}")),
                )
                for tier in scenario.route(txn)
            ]

    def emulates(self, transaction: str) -> bool:
        return transaction in self.routes

    async def serve(self, transaction: str) -> None:
        """Pass the request through its tiers; raises Overloaded if a tier is full."""
        for pool, stream in self.routes.get(transaction, ()):
            await pool.serve(stream.next())

    def stats(self) -> dict[str, dict[str, float]]:
        return {
            name: {
                "servers": pool.servers,
                "busy": pool.busy,
                "queue": len(pool.waiting),
                "max_queue": pool.max_queue,
                "completions": pool.completions,
                "busy_seconds": round(pool.busy_seconds, 6),
                "wait_seconds": round(pool.wait_seconds, 6),
                "refusals": pool.refusals,
            }
            for name, pool in self.tiers.items()
        }

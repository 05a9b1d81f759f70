"""Capacity emulation: the scenario's tiers as pools of asyncio slots.

Each tier is c = instances x workers slots. A request holds a slot for a
service time sampled from its transaction's demand at that tier (it sleeps,
it does not burn CPU, so a 2-core machine can emulate a large system), then
moves on to the next tier in the scenario's order. A request that finds more
than ``queue_limit`` others waiting is refused at once (``Overloaded`` -> 503
with Retry-After). FIFO hand-off: a released slot goes straight to the
longest-waiting request, as in the SimPy model.

Two other kinds of tier are served by their own modules, with the same
``serve(demand) -> Visit`` (:mod:`mock_server.visit`): a tier with ``cores``
shares them among the requests in service (:mod:`mock_server.shared_cores`),
and a ``delay`` tier holds each request for its demand with no queue at all
(:mod:`mock_server.delay`).

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

A failure drill (:mod:`mock_server.drills`) resizes a tier: lost slots are
taken as their requests finish (a finishing request past the new size does
not hand its slot on), regained slots go to the head of the line at once.

The service times come from one seeded stream per transaction and tier,
derived from the scenario's seed and the run's (:func:`service_seed`): the
same run seed draws the same sample, another run seed an independent one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from mock_server.delay import DelayTier
from mock_server.shared_cores import SharedCoresPool
from mock_server.visit import Overloaded, Visit, queue_stats
from peakload.core.sampling import SampleStream, named_rng
from peakload.core.scenario import Scenario, Tier


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
    lost: int = 0  # slots a failure drill has taken away (servers is what is left)

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
        if self.busy > self.servers:  # an instance is down: this slot goes with it
            self.busy -= 1
            return
        while self.waiting:
            slot = self.waiting.popleft()
            if not slot.done():
                slot.set_result(due)  # the slot passes on; busy stays the same
                return
        self.busy -= 1

    def resize(self, servers: int) -> None:
        """Keep ``servers`` slots (an instance lost or back): regained ones start
        the longest-waiting requests now; lost ones go as their requests finish."""
        self.lost += self.servers - servers
        self.servers = servers
        while self.waiting and self.busy < self.servers:
            slot = self.waiting.popleft()
            if not slot.done():
                self.busy += 1
                slot.set_result(time.perf_counter())  # free from now on the schedule

    async def serve(self, service_s: float) -> Visit:
        """Hold a slot for ``service_s`` on the emulated clock.

        A service starts when its slot is free (Lindley's recursion, as in the
        SimPy model), and ends ``service_s`` later: the sleep is to that end,
        not for ``service_s`` from whenever the event loop got round to it.
        On a busy machine a wake-up comes late (measured ~19 ms late on a
        0.1 s service at load 11 on 2 cores, and a hand-off to the next
        waiter one loop turn late): timing each service from its own late
        start cut the capacity of c = 10 x 0.1 s from 100 to ~80 req/s.
        The lateness of one service is not charged to the next one.
        """
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
        return Visit(self.name, arrived, due, service_s)

    def stats(self) -> dict[str, float]:
        """The tier's figures for /admin/stats."""
        return queue_stats(self, self.busy_seconds)


log = logging.getLogger("peakload.mock_server")

QueueTier = TierPool | SharedCoresPool
"""A tier with servers and a queue: slots, or workers sharing cores."""

TierServer = QueueTier | DelayTier
"""Anything a request visits: ``await tier.serve(demand)`` returns its Visit."""


def service_seed(scenario_seed: int, run_seed: int | None) -> list[int]:
    """The entropy of the mock's service-time streams: the scenario's seed and the
    run's (a load test passes its ``--seed``, which defaults to the scenario's own;
    None: the scenario's seed, as a load test without ``--seed`` has it)."""
    return [scenario_seed, scenario_seed if run_seed is None else run_seed]


def _tier_server(tier: Tier, retry_after_s: int) -> TierServer:
    if tier.is_delay:
        return DelayTier(tier.name)
    if tier.cores is not None:
        return SharedCoresPool(
            tier.name,
            tier.instances,
            tier.workers,
            tier.cores,
            tier.queue_limit,
            retry_after_s,
            background=tier.background,
        )
    return TierPool(tier.name, tier.servers, tier.queue_limit, retry_after_s)


class Capacity:
    """All tiers of one scenario and, per transaction, the tiers it visits with their
    service-time streams. Transactions the scenario leaves out are not emulated.

    ``seed`` is the run's seed (:func:`service_seed`; None: the scenario's own).
    """

    def __init__(self, scenario: Scenario | None, seed: int | None = None):
        self.scenario = scenario
        self.tiers: dict[str, QueueTier] = {}
        self.delays: dict[str, DelayTier] = {}
        self.routes: dict[str, list[tuple[TierServer, SampleStream, float]]] = {}
        self.expected_demand_s: dict[str, float] = {}
        """Per transaction, the mean of the demand its tiers draw in all (seconds): what
        the drawn demands of its requests average to, the known mean of validate's
        control variate (:func:`mock_server.middleware.through_tiers`)."""
        self.deviation_s: dict[str, float] = {}
        """Per queue tier, the demand its served visits drew less those demands' means
        (seconds, cumulative; ``deviation_seconds`` in :meth:`stats`): how far the
        tier's busy seconds fell from what its visits were expected to bring, the
        known-mean control of its utilization (:mod:`peakload.measure.busy_control`)."""
        self.deferred: dict[str, list[tuple[float, QueueTier, SampleStream, float]]] = {}
        """Per transaction, the work each served request leaves for later: seconds
        after, the tier, its demands' stream and their mean
        (:class:`~peakload.core.scenario.DeferredWork`)."""
        self._later: set[asyncio.Task[None]] = set()
        if scenario is None:
            return
        retry_after_s = max(1, round(scenario.workload.retry_delay_s))
        root = np.random.SeedSequence(service_seed(scenario.scenario.seed, seed))
        servers = {t.name: _tier_server(t, retry_after_s) for t in scenario.tiers}
        for name, server in servers.items():
            if isinstance(server, DelayTier):
                self.delays[name] = server
            else:
                self.tiers[name] = server
                self.deviation_s[name] = 0.0
        for txn in scenario.transactions:
            self.expected_demand_s[txn.name] = sum(
                txn.demand[tier].mean for tier in scenario.route(txn)
            )
            self.routes[txn.name] = [
                (
                    servers[tier],
                    SampleStream.of(txn.demand[tier], named_rng(root, f"{txn.name}@{tier}")),
                    txn.demand[tier].mean,
                )
                for tier in scenario.route(txn)
            ]
            self.deferred[txn.name] = [
                (
                    work.after_s,
                    self.tiers[work.tier],
                    SampleStream.of(
                        work.demand, named_rng(root, f"{txn.name}@{work.tier}/deferred{j}")
                    ),
                    work.demand.mean,
                )
                for j, work in enumerate(txn.deferred)
            ]

    @property
    def emulating(self) -> bool:
        """True when a scenario's tiers are emulated (False: answer at once)."""
        return bool(self.tiers or self.delays)

    def apply_failures(self, clock_s: float | None) -> None:
        """Size every tier for the scenario's failures at ``clock_s`` (None: none active)."""
        if self.scenario is None or not self.scenario.failures:
            return
        for tier in self.scenario.tiers:
            pool = self.tiers.get(tier.name)
            if pool is None:  # a delay: no servers to lose
                continue
            lost = 0 if clock_s is None else self.scenario.servers_lost(tier.name, clock_s)
            if pool.lost != lost:
                pool.resize(max(0, tier.servers - lost))

    def emulates(self, transaction: str) -> bool:
        return transaction in self.routes

    async def serve(self, transaction: str) -> list[Visit]:
        """Pass the request through its tiers, in order; raises Overloaded if a tier
        is full. Returns its visits, on each tier's schedule."""
        visits = []
        for tier, stream, mean in self.routes.get(transaction, ()):
            visit = await tier.serve(stream.next())
            if visit.tier in self.deviation_s:  # a queue tier: its busy seconds hold the draw
                self.deviation_s[visit.tier] += visit.demand - mean
            visits.append(visit)
        self._leave_for_later(transaction)
        return visits

    def _leave_for_later(self, transaction: str) -> None:
        """Schedule the served request's deferred work: each piece joins its tier
        ``after_s`` (wall seconds, as expenditure control's delays are) from now, with
        a demand drawn now. Nobody waits for it: it holds the tier as a request's visit
        does (a full tier refuses and counts it), and its draw joins the tier's
        deviation, as its busy seconds hold it."""
        pieces = self.deferred.get(transaction)
        if not pieces:
            return
        loop = asyncio.get_running_loop()
        for after_s, tier, stream, mean in pieces:
            loop.call_later(after_s, self._start_later, tier, stream.next(), mean)

    def _start_later(self, tier: QueueTier, demand: float, mean: float) -> None:
        task = asyncio.ensure_future(self._serve_later(tier, demand, mean))
        self._later.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._later_done)

    def _later_done(self, task: asyncio.Task[None]) -> None:
        self._later.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("deferred work failed: %r", error)

    async def _serve_later(self, tier: QueueTier, demand: float, mean: float) -> None:
        try:
            visit = await tier.serve(demand)
        except Overloaded:
            return  # refused: the tier counted it
        self.deviation_s[visit.tier] += visit.demand - mean

    def stats(self) -> dict[str, dict[str, float]]:
        """Each queue tier's figures: servers, busy, queue, cumulative completions,
        busy and wait seconds, refusals; a tier with cores adds ``cores`` (its busy
        seconds are CPU seconds, a share of those cores); and the deviation of the
        demands its visits drew (``deviation_seconds``, :attr:`deviation_s`)."""
        return {
            name: {**pool.stats(), "deviation_seconds": round(self.deviation_s[name], 6)}
            for name, pool in self.tiers.items()
        }

    def delay_stats(self) -> dict[str, dict[str, float]]:
        """Each delay tier's requests held and seconds held (no busy, no servers)."""
        return {name: delay.stats() for name, delay in self.delays.items()}

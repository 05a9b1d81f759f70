"""One machine of a tier sharing cores: ``workers`` threads on ``cores`` cores, by
exact processor sharing (the arithmetic; why it is exact: :mod:`simulation.shared_tier`).

An instance keeps the CPU seconds every request in service has received,
``attained``, and a heap of their finishing points; at each arrival and
departure it brings ``attained`` up to now at the old speed and schedules one
SimPy ``Timeout`` for its next departure at the new speed. A departure that a
later change made stale is ignored when it fires.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import TYPE_CHECKING

from simpy.events import Timeout

from simulation.line import Visitor

if TYPE_CHECKING:
    from simulation.shared_tier import SharedTier


class Instance:
    """One machine of the tier: ``workers`` threads sharing ``cores`` cores."""

    __slots__ = (
        "attained",
        "core_speed",
        "cores",
        "jobs",
        "pending",
        "since",
        "tier",
        "up",
        "workers",
    )

    def __init__(self, tier: SharedTier, workers: int, cores: int, core_speed: float = 1.0):
        self.tier = tier
        self.workers = workers
        self.cores = cores
        self.core_speed = core_speed
        """CPU seconds per second a core gives requests: 1 less the tier's background."""
        self.up = True
        """False while a failure has taken the instance: it takes no new request."""
        self.jobs: list[tuple[float, int, Visitor]] = []
        """Requests in service: (attained work at which each finishes, visit index,
        visitor), a heap, the next to finish first."""
        self.attained = 0.0
        """CPU seconds each request in service has received since the instance started
        counting (all receive the same: the cores are shared equally)."""
        self.since = tier.env._now
        """When :attr:`attained` was last brought up to date."""
        self.pending: Timeout | None = None
        """The departure now scheduled; any other that fires is stale."""

    @property
    def in_service(self) -> int:
        return len(self.jobs)

    def speed(self) -> float:
        """CPU seconds per second each request in service receives:
        ``core_speed x min(1, cores / n)``."""
        n = len(self.jobs)
        return self.core_speed if n <= self.cores else self.core_speed * self.cores / n

    def busy_cores(self) -> int:
        """Cores at work now: min(n, cores)."""
        return min(len(self.jobs), self.cores)

    def advance(self, now: float) -> None:
        """Bring :attr:`attained` up to ``now`` at the current speed."""
        if self.jobs:
            self.attained += (now - self.since) * self.speed()
        self.since = now

    def start(self, visitor: Visitor, demand: float, index: int) -> None:
        """Begin serving a visit of ``demand`` CPU seconds (its wait already recorded)."""
        tier = self.tier
        now = tier.env._now
        tier.account_cpu(now)
        self.advance(now)
        jobs = self.jobs
        finish = self.attained + demand
        heappush(jobs, (finish, index, visitor))
        tier.busy += 1
        if len(jobs) <= self.cores:
            tier.cpu_rate += 1
            # Everyone still runs at full speed: the departure already scheduled stands,
            # unless the newcomer finishes first.
            if self.pending is not None and jobs[0][1] != index:
                return
        self.schedule()

    def schedule(self) -> None:
        """Schedule the next departure at the present speed (none when idle)."""
        if not self.jobs:
            self.pending = None
            return
        delay = (self.jobs[0][0] - self.attained) / self.speed()
        self.pending = event = Timeout(self.tier.env, delay if delay > 0.0 else 0.0)
        event.callbacks.append(self.depart)

    def depart(self, event: Timeout) -> None:
        """The head request's work is done (unless this departure is stale): it leaves
        with every request finishing at the same point, freed workers take the head
        of the tier's line, and the leavers go on to their next tier."""
        if event is not self.pending:
            return
        tier = self.tier
        now = tier.env._now
        tier.account_cpu(now)
        jobs = self.jobs
        # The head finishes now by construction; set attained to its point exactly, so
        # rounding in (now - since) x speed cannot leave it a hair short.
        self.attained = jobs[0][0]
        self.since = now
        leaving = []
        while jobs and jobs[0][0] <= self.attained:
            _, index, visitor = heappop(jobs)
            tier.finish(index, now)
            leaving.append(visitor)
        tier.busy -= len(leaving)
        tier.cpu_rate -= min(len(leaving) + len(jobs), self.cores) - min(len(jobs), self.cores)
        tier.admit(self)
        if self.pending is event:  # admit() starts nothing when the line is empty
            self.schedule()
        for visitor in leaving:
            visitor.served(event)

"""One instance of a tier with cores: the requests in service share its cores.

The arithmetic of processor sharing on a schedule, for
:class:`mock_server.shared_cores.SharedCoresPool` (which keeps the queue, the
timers and the counters). An instance keeps a *virtual time* ``V``, the CPU
seconds each of its requests has received so far, which grows at
``min(1, cores / n)`` per second with ``n`` in service. A request admitted at
``V = v`` with demand ``d`` carries the finish tag ``v + d``; the instance's
next completion is its smallest tag, due at ``updated + (tag - V) / speed``.
"""

from __future__ import annotations

import asyncio
import heapq
import math

TIE_S = 1e-12
"""Finish tags this close (CPU seconds) to the virtual time finish together:
float rounding must not leave a request a femtosecond short of done."""


class CoreRequest:
    __slots__ = ("admitted", "arrived", "demand", "done", "instance")

    def __init__(self, arrived: float, demand: float, done: asyncio.Future[float]):
        self.arrived = arrived
        self.demand = demand
        self.done = done  # resolved with the finish time on the schedule
        self.instance: CoreInstance | None = None  # None while it waits for a worker
        self.admitted = arrived  # when it took a worker (schedule time)


class CoreInstance:
    """One machine: up to ``workers`` requests in service, sharing ``cores``."""

    __slots__ = (
        "core_speed",
        "cores",
        "in_service",
        "timer",
        "timer_due",
        "up",
        "updated",
        "virtual",
        "workers",
    )

    def __init__(self, cores: int, workers: int, now: float, core_speed: float = 1.0):
        self.cores = cores
        self.core_speed = core_speed  # of a core, what requests get: 1 less the background
        self.workers = workers
        self.up = True  # False while a failure drill has it down: it admits nothing new
        self.in_service: list[tuple[float, int, CoreRequest]] = []  # heap: (finish tag, seq, req)
        self.virtual = 0.0  # CPU seconds each request in service has received, V
        self.updated = now  # schedule time at which V was last brought up to date
        self.timer: asyncio.TimerHandle | None = None
        self.timer_due = math.inf  # the completion the timer is set for

    @property
    def speed(self) -> float:
        """Seconds of CPU each request in service gets per second:
        ``core_speed x min(1, cores / n)``."""
        n = len(self.in_service)
        return self.core_speed * min(1.0, self.cores / n) if n else self.core_speed

    @property
    def room(self) -> bool:
        return self.up and len(self.in_service) < self.workers

    def next_due(self) -> float:
        """Schedule time of the next completion (inf when idle)."""
        if not self.in_service:
            return math.inf
        return self.updated + (self.in_service[0][0] - self.virtual) / self.speed

    def run_until(self, when: float) -> float:
        """Bring V up to ``when`` (no completion may fall before it); CPU seconds used."""
        if when <= self.updated:
            return 0.0
        n = len(self.in_service)
        gained = (when - self.updated) * self.speed if n else 0.0
        self.virtual += gained
        self.updated = when
        return gained * n

    def complete_next(self) -> tuple[float, float, list[CoreRequest]]:
        """Run to the next completion: (its time, CPU seconds used, the requests done)."""
        due = self.next_due()
        tag = self.in_service[0][0]
        used = (tag - self.virtual) * len(self.in_service)
        self.virtual, self.updated = tag, due
        done = []
        while self.in_service and self.in_service[0][0] <= self.virtual + TIE_S:
            done.append(heapq.heappop(self.in_service)[2])
        if not self.in_service:
            self.virtual = 0.0  # idle: start afresh, so tags stay small and precise
        return due, used, done

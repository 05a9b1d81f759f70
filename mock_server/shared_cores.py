"""A tier whose workers share CPU cores: processor sharing, emulated on a schedule.

A tier with ``cores`` (:attr:`peakload.core.scenario.Tier.cores`) is a thread
pool on a CPU, as layered queueing networks model one. Each instance admits
up to ``workers`` requests; the rest wait in one FIFO queue for the whole
tier, and past ``queue_limit`` waiting a new request is refused. The
requests in service on an instance share its ``cores``: with ``n`` in
service each runs at speed ``min(1, cores / n)``, so a demand is CPU
seconds, and a request's time in service stretches with the company it
keeps. A worker that frees takes the longest-waiting request at once; a
request that finds room on several instances goes to the one with the
fewest in service (where it runs fastest), the first such on a tie.

Nothing burns CPU: the sharing is computed. Each instance keeps a *virtual
time* ``V``, the CPU seconds each of its requests has received so far,
which grows at ``min(1, cores / n)`` per second. A request admitted when
``V = v`` with demand ``d`` is done when ``V`` reaches ``v + d`` (its finish
tag), so the instance's next completion is its smallest tag, due at
``updated + (tag - V) / speed``. Every arrival, completion and admission
changes ``n`` and with it the speed, so the instance's next completion is
recomputed then and one timer (``loop.call_later``) is set for it: no
polling, one timer per instance however many requests it serves.

Like the slots (:mod:`mock_server.capacity`), the emulation keeps time on
the schedule, not on when the event loop gets round to it. A timer that
fires late (a busy loop, a shared CPU) finds its completion due: the tier
replays every event due by now in time order, each completion at the time
it was due, each freed worker handed on at that time. An arriving request
first has the tier replayed up to its arrival, so it finds the schedule's
state. The lateness of one wake-up is never charged to the requests that
follow, and a long run does not drift.

The counters are the slots' (:meth:`SharedCoresPool.stats`):
``busy_seconds`` is CPU seconds used (core-seconds), so the tier's
utilization is ``busy_seconds / (instances x cores x seconds)`` (the
``cores`` it reports); ``wait_seconds`` is each finished request's time at
the tier less its demand (waiting for a worker, plus the slowdown of
sharing), so ``(wait_seconds + busy_seconds) / completions`` is the mean
response at the tier, as for slots. Beside them the workers' side, for a
reader that wants it: ``held_seconds`` (worker-seconds held) and
``worker_wait_seconds`` (the wait for a worker alone).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import Callable

from mock_server.core_instance import CoreInstance, CoreRequest
from mock_server.visit import Overloaded, Visit, queue_stats


class SharedCoresPool:
    """``instances`` x ``workers`` requests in service, each instance's sharing its
    ``cores``; one FIFO queue of at most ``queue_limit`` (None: unbounded).

    ``clock`` is the schedule's clock (``time.perf_counter``, as the slots use).
    """

    def __init__(
        self,
        name: str,
        instances: int,
        workers: int,
        cores: int,
        queue_limit: int | None,
        retry_after_s: int = 1,
        clock: Callable[[], float] = time.perf_counter,
        background: float = 0.0,
    ):
        self.name = name
        self.cores_per_instance = cores
        self.background = background  # of every core's time, what no request gets
        self.queue_limit = queue_limit
        self.retry_after_s = retry_after_s  # what a refused client is told to wait
        self.clock = clock
        now = clock()
        self.started = now
        speed = 1.0 - background
        self.instances = [CoreInstance(cores, workers, now, speed) for _ in range(instances)]
        self.waiting: deque[CoreRequest] = deque()
        self.completions = 0
        self.busy_seconds = 0.0  # CPU seconds used
        self.wait_seconds = 0.0  # time at the tier less the demand, of finished requests
        self.worker_wait_seconds = 0.0  # time waiting for a worker, of admitted requests
        self.held_seconds = 0.0  # worker-seconds held, of finished requests
        self.refusals = 0
        self.max_queue = 0
        self._seq = itertools.count()  # breaks ties between equal finish tags, FIFO

    # --- the figures /admin/stats and /metrics report ------------------------

    @property
    def servers(self) -> int:
        """Requests the tier admits at once now: workers of the instances that are up."""
        return sum(i.workers for i in self.instances if i.up)

    @property
    def lost(self) -> int:
        """Workers a failure drill has taken away."""
        return sum(i.workers for i in self.instances if not i.up)

    @property
    def busy(self) -> int:
        """Requests in service now (on instances up or going down)."""
        return sum(len(i.in_service) for i in self.instances)

    @property
    def cores(self) -> int:
        """instances x cores as configured: what ``busy_seconds`` is a share of."""
        return len(self.instances) * self.cores_per_instance

    def cpu_seconds(self) -> float:
        """CPU seconds used up to now, including the share of requests still in
        service (read-only: events a late timer has not replayed yet count up to
        the next of them) and the background's share of every core since the start."""
        now = self.clock()
        pending = 0.0
        for instance in self.instances:
            n = len(instance.in_service)
            if n:
                until = min(now, instance.next_due())
                pending += max(0.0, until - instance.updated) * instance.speed * n
        background = self.background * self.cores * (now - self.started)
        return self.busy_seconds + pending + background

    # --- serving --------------------------------------------------------------

    async def serve(self, demand: float) -> Visit:
        """Serve ``demand`` CPU seconds, sharing a worker's cores; raises Overloaded
        when ``queue_limit`` requests are waiting already."""
        arrived = self.clock()
        self._replay(arrived)
        request = CoreRequest(arrived, demand, asyncio.get_running_loop().create_future())
        instance = None if self.waiting else self._roomiest()
        if instance is not None:
            self._admit(instance, request, arrived)
        elif self.queue_limit is not None and len(self.waiting) >= self.queue_limit:
            self.refusals += 1
            raise Overloaded(self.name, len(self.waiting), self.retry_after_s)
        else:
            self.waiting.append(request)
            self.max_queue = max(self.max_queue, len(self.waiting))
        self._arm()
        try:
            finished = await request.done
        except asyncio.CancelledError:
            self._withdraw(request)
            raise
        return Visit(self.name, arrived, finished, demand)

    def resize(self, servers: int) -> None:
        """Keep ``servers // workers`` instances up (a failure drill): the others
        admit nothing new, their requests in service finish there; an instance
        back up takes waiting requests at once."""
        now = self.clock()
        self._replay(now)
        up = servers // self.instances[0].workers if self.instances else 0
        for index, instance in enumerate(self.instances):
            instance.up = index < up
        while self.waiting and (roomiest := self._roomiest()) is not None:
            self._admit(roomiest, self.waiting.popleft(), now)
        self._arm()

    def _roomiest(self) -> CoreInstance | None:
        """The instance up with the fewest in service and a free worker, or None."""
        best = None
        for instance in self.instances:
            if instance.room and (best is None or len(instance.in_service) < len(best.in_service)):
                best = instance
        return best

    def _admit(self, instance: CoreInstance, request: CoreRequest, when: float) -> None:
        self.busy_seconds += instance.run_until(when)
        self.worker_wait_seconds += when - request.arrived
        request.instance, request.admitted = instance, when
        tag = instance.virtual + request.demand
        heapq.heappush(instance.in_service, (tag, next(self._seq), request))

    def _replay(self, now: float) -> None:
        """Every completion due by ``now``, in time order across instances, each
        freed worker handed to the head of the queue at that time; then every
        instance's virtual time brought up to ``now``."""
        while True:
            instance = min(self.instances, key=CoreInstance.next_due, default=None)
            if instance is None or instance.next_due() > now:
                break
            due, used, done = instance.complete_next()
            self.busy_seconds += used
            for request in done:
                self._finish(request, due)
            while self.waiting and instance.room:
                request = self.waiting.popleft()
                self._admit(instance, request, max(due, request.arrived))
        for instance in self.instances:
            self.busy_seconds += instance.run_until(now)

    def _finish(self, request: CoreRequest, due: float) -> None:
        self.completions += 1
        self.wait_seconds += (due - request.arrived) - request.demand
        self.held_seconds += due - request.admitted
        request.instance = None
        if not request.done.done():  # a cancelled request's future is done already
            request.done.set_result(due)

    def _withdraw(self, request: CoreRequest) -> None:
        """A request cancelled (server shutting down): out of the queue, or out of
        service with the CPU it has had counted, its worker handed on now."""
        now = self.clock()
        self._replay(now)
        instance = request.instance
        if instance is None:
            if request in self.waiting:
                self.waiting.remove(request)
            return
        instance.in_service = [entry for entry in instance.in_service if entry[2] is not request]
        heapq.heapify(instance.in_service)
        self.held_seconds += now - request.admitted
        request.instance = None
        while self.waiting and instance.room:
            self._admit(instance, self.waiting.popleft(), now)
        self._arm()

    # --- timers ---------------------------------------------------------------

    def _arm(self) -> None:
        """One timer per busy instance, set for its next completion."""
        loop = asyncio.get_running_loop()
        now = self.clock()
        for instance in self.instances:
            due = instance.next_due()
            if instance.timer is not None:
                if instance.timer_due == due:  # already set for it
                    continue
                instance.timer.cancel()
                instance.timer = None
            instance.timer_due = due
            if due < math.inf:
                instance.timer = loop.call_later(max(0.0, due - now), self._wake, instance)

    def _wake(self, instance: CoreInstance) -> None:
        instance.timer, instance.timer_due = None, math.inf
        self._replay(self.clock())
        self._arm()

    def stats(self) -> dict[str, float]:
        """The tier's figures for /admin/stats: the slots' keys, ``cores``, and the
        workers' side: ``held_seconds`` (worker-seconds held, what the workers'
        occupancy is a share of) and ``worker_wait_seconds`` (waiting for a worker
        alone, the simulator's ``mean_wait_s`` for such a tier)."""
        return {
            **queue_stats(self, self.cpu_seconds()),
            "cores": self.cores,
            "held_seconds": round(self.held_seconds, 6),
            "worker_wait_seconds": round(self.worker_wait_seconds, 6),
        }

"""A tier whose workers share CPU cores: a thread pool on a machine, by processor sharing.

A scenario's tier with ``cores`` set (:class:`peakload.core.scenario.Tier`)
is ``instances`` machines, each running a pool of ``workers`` threads on
``cores`` cores. A request takes a worker, and while ``n`` of an instance's
workers are in service each progresses at speed ``min(1, cores / n)``: the
cores are shared equally (processor sharing, PS), so a demand is CPU seconds,
and it takes longer in wall time when more than ``cores`` requests run
together. Past ``instances x workers`` in service requests wait in one FIFO
line (bounded by ``queue_limit``), as at :class:`simulation.tier.Tier`.

**Instances are separate machines.** A request runs on one instance's cores
and never moves: it is sent to the up instance with the fewest requests in
service (a least-connections balancer; ties to the first), and the head of
the line goes to whichever instance frees a worker. Pooling the instances
into one PS of ``instances x cores`` would let a request on a crowded machine
use an idle machine's cores, which no load balancer does; today's plain tier
pools its servers only because an idle server is an idle server wherever it
stands. Without ``cores`` this tier is not used (:mod:`simulation.stations`).

**Exact PS, event by event.** Each instance keeps the CPU seconds every one
of its requests has received so far, ``attained`` (the same for all in
service: they share equally), and a heap of their finishing points
``attained at arrival + demand``. At each arrival and departure it brings
``attained`` up to now at the old speed, then schedules one SimPy ``Timeout``
for its next departure at the new speed: ``(head - attained) / speed``. A
departure scheduled before a later arrival or departure changed the speed is
stale and ignored when it fires. So there is no time step and no
approximation: the result is the PS queue's, to floating point.

**What it records.** Each visit's arrival, wait for a worker and time holding
it (its ``service``, in wall seconds, known when it leaves), and the tier's
CPU: cumulative CPU seconds each time the busy cores changed
(:class:`peakload.measure.observations.CpuTrace`), from which utilization is
CPU busy over instances x cores, as the operating system would report it.

**A background on the cores.** With ``background = b`` every core spends a
share ``b`` of its time on work no request asks for (the operating system's,
the server's own timers and writers): requests run at ``1 - b`` of a core's
speed, ``(1 - b) min(1, cores / n)``, and the CPU recorded is theirs plus
``b`` of every core, all the time. So a tier with a background is the same
PS queue with demands ``D / (1 - b)`` in wall time, and its utilization is
``b + X D / cores``: what the operating system reports of a core that is
never quite idle.

A failure (an N-1 drill) takes whole instances: they take no new request,
and the requests on them finish at their pace.
"""

from __future__ import annotations

from array import array

import numpy as np
from simpy import Environment

from peakload.measure.observations import CpuTrace, TierIntervals
from simulation.line import NOT_KNOWN, Line, Visitor
from simulation.shared_instance import Instance


class SharedTier(Line):
    """``instances`` machines of ``workers`` threads sharing ``cores`` cores, one FIFO line.

    The same calls as :class:`simulation.tier.Tier`: :meth:`arrive` with the
    visit's demand (CPU seconds); the visitor's ``served`` callback fires when
    its work is done, and its :meth:`release` is a no-op, the departure having
    already handed the worker on.
    """

    __slots__ = (
        "background",
        "busy",
        "cores",
        "cpu_rate",
        "cpu_seconds",
        "cpu_time",
        "instances",
        "servers",
        "workers",
    )

    def __init__(
        self,
        env: Environment,
        name: str,
        instances: int,
        workers: int,
        cores: int,
        queue_limit: int | None,
        minutes: int,
        background: float = 0.0,
    ):
        super().__init__(env, name, queue_limit, minutes)
        self.background = background
        """Share of each core's time no request gets (module docstring)."""
        self.workers = workers
        """Threads per instance: at most this many requests in service on one."""
        self.cores = cores
        """Cores per instance, shared by its requests in service."""
        self.servers = instances * workers
        """Workers of the up instances (instances x workers when none has failed)."""
        self.busy = 0
        """Requests in service now, over all instances."""
        speed = 1.0 - background
        self.instances = [Instance(self, workers, cores, speed) for _ in range(instances)]
        self.cpu_rate = 0
        """Cores serving requests now, over all instances (each at ``1 - background``
        of its speed, the background taking the rest)."""
        self.cpu_time = array("d", [env.now])
        """Each moment the cores at work changed (and the start)."""
        self.cpu_seconds = array("d", [0.0])
        """CPU seconds spent by each of :attr:`cpu_time`."""

    def arrive(self, visitor: Visitor, service: float) -> bool:
        """Start the visit on the least busy up instance with a free worker, or queue
        it; False if the line is full (refused). ``service`` is CPU seconds."""
        now = self.env._now  # private on purpose: see simulation/request.py
        instance = self._free_instance()
        index = len(self.arrivals)
        if instance is not None:
            self.arrivals.append(now)
            self.waits.append(0.0)
            self.services.append(NOT_KNOWN)
            instance.start(visitor, service, index)
            return True
        return self.join(visitor, service, now, NOT_KNOWN)

    def release(self) -> None:
        """Nothing to do: the departure has handed the worker on already."""

    def _free_instance(self) -> Instance | None:
        best = None
        workers = self.workers
        for instance in self.instances:
            n = len(instance.jobs)
            if instance.up and n < workers and (best is None or n < len(best.jobs)):
                best = instance
        return best

    def admit(self, instance: Instance) -> None:
        """Give ``instance``'s free workers to the head of the line, if it is up."""
        queue = self.queue
        now = self.env._now
        while queue and instance.up and len(instance.jobs) < self.workers:
            visitor, demand, index = queue.popleft()
            self.waits[index] = now - self.arrivals[index]
            instance.start(visitor, demand, index)

    def finish(self, index: int, now: float) -> None:
        """Record that visit ``index`` left its worker at ``now``."""
        self.services[index] = now - self.arrivals[index] - self.waits[index]

    def account_cpu(self, now: float) -> None:
        """Add the CPU spent since the last change, before the cores at work change."""
        last = self.cpu_time[-1]
        if now > last:
            b = self.background
            rate = self.cpu_rate if b == 0.0 else (1.0 - b) * self.cpu_rate + b * self.all_cores
            self.cpu_seconds.append(self.cpu_seconds[-1] + rate * (now - last))
            self.cpu_time.append(now)

    @property
    def all_cores(self) -> int:
        """instances x cores: what the utilization is a share of."""
        return len(self.instances) * self.cores

    def resize(self, servers: int) -> None:
        """Keep the first ``servers // workers`` instances up and take the rest down
        (an instance fails or comes back). Requests on a failed instance finish;
        one that comes back takes the head of the line at once."""
        up = servers // self.workers
        self.servers = up * self.workers
        for k, instance in enumerate(self.instances):
            was_up, instance.up = instance.up, k < up
            if instance.up and not was_up:
                pending = instance.pending
                self.admit(instance)
                if instance.pending is pending:
                    instance.schedule()

    def intervals(self, sample_time: np.ndarray, in_tier: np.ndarray) -> TierIntervals:
        """The visits that got a worker, as the reducer reads them, and the CPU.

        A visit still in service when the run ends is given the service it would
        have if nothing else arrived or left (its remaining work at the present
        speed): the records end at the run's end, the work does not."""
        now = self.env.now
        self.account_cpu(now)
        services = np.frombuffer(self.services).copy()
        for instance in self.instances:
            instance.advance(now)
            speed = instance.speed()
            for finish, index, _ in instance.jobs:
                held = now - self.arrivals[index] - self.waits[index]
                services[index] = held + (finish - instance.attained) / speed
        cpu = CpuTrace(
            time=np.frombuffer(self.cpu_time),
            seconds=np.frombuffer(self.cpu_seconds),
            cores=self.all_cores,
        )
        return self.recorded(
            len(self.instances) * self.workers, services, sample_time, in_tier, cpu
        )

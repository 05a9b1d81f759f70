"""Which users of a closed-workload pool work now: the rank and the clock, per process.

See :mod:`loadtests.closed` for the whole picture. A process's :class:`Roster`
gives each user it starts a local index ``k`` and a rank ``i + n * k``
(process ``i`` of ``n``), dense across processes and interleaved, so every
process carries its share at any activity level; it knows when the setup
started and when the clock did, and ten times a second it recomputes how
many of its users rank below :meth:`Plan.active_users` and wakes exactly
those whose state changed. Nothing here imports Locust: the rank arithmetic
is tested without it.
"""

from __future__ import annotations

import itertools
import math
import time
from array import array
from collections.abc import Callable
from pathlib import Path

import gevent
import gevent.event
import numpy as np

from peakload.core.plan import Plan
from peakload.core.scenario import Scenario
from peakload.core.stationary import flow_shares

SETUP_MESSAGE = "peakload_setup"
CLOCK_MESSAGE = "peakload_clock"
READY_MESSAGE = "peakload_ready"
ROSTER_TICK_S = 0.1  # how often each process recomputes the active users
SETUP_GRACE_S = 60.0  # setup beyond twice the sign-in time: start the clock anyway
SETUP_LOAD = 0.8  # the busiest tier's utilization the setup may cause
MAX_SIGN_IN_RATE = 200.0

PREPARES: dict[str, tuple[str, ...]] = {
    "sign_payment": ("create_payment",),
    "submit_payment": ("create_payment", "sign_payment"),
    "get_dossier": ("submit_dossier",),
}
"""The steps that make the record an entry step acts on (a user that enters at
``submit_payment`` needs an order it signed). Other steps act on nothing the
user must have made (``get_payment`` reads the last order, or hears 404)."""


def preparation(steps: list[str], entry_step: int) -> list[str]:
    """The steps a user entering ``steps`` at ``entry_step`` sends during setup."""
    return list(PREPARES.get(steps[entry_step], ()))


def setup_rate(scenario: Scenario) -> float:
    """Users per second the setup can sign in and prepare with the busiest tier at
    :data:`SETUP_LOAD` (a sign-in and its preparation per user), at most
    :data:`MAX_SIGN_IN_RATE`: a faster setup is refused (503) and retried."""
    flows = scenario.flow_list
    shares = flow_shares([f.weight for f in flows], [len(f.steps) for f in flows])
    demand: dict[str, float] = {}

    def add(transaction: str, weight: float) -> None:
        for tier, dist in scenario.transaction(transaction).demand.items():
            demand[tier] = demand.get(tier, 0.0) + weight * dist.mean

    if scenario.login is not None:
        add(scenario.login.name, 1.0)
    for flow, share in zip(flows, shares, strict=True):
        for position in range(len(flow.steps)):
            for step in preparation(flow.steps, position):
                add(step, share / len(flow.steps))
    tiers = {t.name: t for t in scenario.tiers if not t.is_delay}  # a delay never fills
    rates = [  # a tier with cores does its demand's CPU seconds on its cores, not its workers
        SETUP_LOAD * tiers[tier].busy_capacity / seconds
        for tier, seconds in demand.items()
        if seconds > 0 and tier in tiers
    ]
    return min([MAX_SIGN_IN_RATE, *rates])


def processes(plan: Plan) -> int:
    """The Locust processes that hold users: the workers, or the one local process."""
    return plan.workers if plan.workers > 1 else 1


def spawn_count(plan: Plan) -> int:
    """The pool, rounded up to a multiple of the user processes (dense ranks)."""
    n = processes(plan)
    return math.ceil(plan.pool_users / n) * n


def setup_limit_s(plan: Plan) -> float:
    """The longest the setup may take before the clock starts regardless."""
    return 2 * plan.setup_s + SETUP_GRACE_S


class ActivityLog:
    """This process's working users, sampled at every roster tick (for the summary)."""

    def __init__(self) -> None:
        self.wall = array("d")
        self.working = array("d")

    def add(self, wall: float, working: int) -> None:
        self.wall.append(wall)
        self.working.append(working)

    def save(self, path: Path) -> None:
        np.savez(path, wall=np.frombuffer(self.wall), working=np.frombuffer(self.working))


class Roster:
    """This process's users by local index, and how many of them may work now.

    During setup it counts the users ready (signed in, entry prepared) and
    hands the count to ``report`` (under a master: a message to it) every
    tick; once the clock runs, it follows the plan's active users.
    """

    def __init__(
        self,
        plan: Plan,
        worker_index: int,
        process_count: int,
        report: Callable[[int], None] | None = None,
    ):
        self.plan = plan
        self.worker_index = worker_index
        self.process_count = process_count
        self.report = report
        self.wakes: list[gevent.event.Event] = []
        self.active_local = 0  # local users 0 .. active_local-1 may work
        self.ready = 0  # users signed in with their entry prepared
        self.working = 0  # users actually working (not parked)
        self.setup_start: float | None = None  # wall epoch the sign-ins start from
        self.origin: float | None = None  # wall epoch of clock second 0
        self.setup_known = gevent.event.Event()
        self.clock_known = gevent.event.Event()
        self.log = ActivityLog()
        self._counter = itertools.count()

    def join(self) -> tuple[int, int, gevent.event.Event]:
        """A new user's local index, rank and wake-up event."""
        local = next(self._counter)
        wake = gevent.event.Event()
        self.wakes.append(wake)
        return local, self.worker_index + self.process_count * local, wake

    def sign_in_at(self, rank: int) -> float:
        """The wall epoch at which user ``rank`` signs in: the pool at the sign-in rate."""
        assert self.setup_start is not None
        return self.setup_start + rank / self.plan.sign_in_rate

    def local_active(self, active: int) -> int:
        """How many of this process's users rank below ``active``."""
        return max(0, math.ceil((active - self.worker_index) / self.process_count))

    def start_setup(self, start: float) -> None:
        if self.setup_start is None:
            self.setup_start = start
            self.setup_known.set()

    def start_clock(self, origin: float) -> None:
        if self.origin is None:
            self.origin = origin
            self.clock_known.set()

    def run(self) -> None:
        """Report the ready users until the clock starts, then follow the plan."""
        reported = -1
        while self.origin is None:
            if self.report is not None and self.ready != reported:
                reported = self.ready
                self.report(reported)
            self.clock_known.wait(ROSTER_TICK_S)
        while True:
            now = time.time()
            target = self.local_active(self.plan.active_users(now - self.origin))
            old, self.active_local = self.active_local, target
            for wake in self.wakes[min(old, target) : max(old, target)]:
                wake.set()
            self.log.add(now, self.working)
            gevent.sleep(ROSTER_TICK_S)

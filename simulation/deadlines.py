"""Client time-outs for every request with one pending SimPy event.

All attempts share the same ``timeout_s``, so their deadlines come in the
order the attempts start: a deque kept in that order is a priority queue for
free. One watchdog event waits for the head's deadline; when it fires, it
abandons the attempts that are still open and skips the ones that finished
in time, then sleeps until the next open attempt's deadline. A request pays a
deque append instead of a timer of its own.

**Stages, so a finished attempt is forgotten while it is still in the cache.**
Almost every attempt ends within a second, long before its deadline (30 s for
April). Kept in the one deque until the watchdog reached it, each finished
attempt lived a whole ``timeout_s``: at ten times the April users some 14,000
of them at once, at a hundred times 140,000 (15 MB), each read once more and
freed a time-out after it ended, out of the processor's caches, and freeing it
touched its user, cold again too. Now an attempt first waits in a *recent*
deque; a sweep every ``sweep_s`` (at most a second, under a third of
``timeout_s``) drops the finished ones and keeps the open ones for one more
sweep, so an attempt reaches the watchdog's deque only when it is still open
a sweep or two after it began, and in the order the attempts began. The
finished attempts are then dropped a second or two after they began, warm. No
deadline is missed: an attempt waits at most two sweeps, less than
``timeout_s``, before the watchdog has it, and the watchdog wakes at the very
float of its deadline (:meth:`Deadlines._sleep_until`), wherever the clock
stands when it is set.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol

from simpy import Environment
from simpy.events import Timeout

SWEEP_S = 1.0
"""How often (simulated seconds) the recent attempts are sorted into finished and open."""


class Expirable(Protocol):
    """What the watchdog needs of an attempt."""

    deadline: float
    """Simulated time at which the client gives up."""

    closed: bool
    """True once the attempt has its outcome; it is then skipped."""

    def expire(self) -> None:
        """The deadline passed with the attempt still open: report a time-out."""
        ...


class Deadlines:
    """The one watchdog of a run: expires attempts in deadline order.

    Attempts must be watched in the order of their deadlines, which holds
    because every attempt waits the same ``timeout_s`` from its start.
    """

    __slots__ = (
        "_env",
        "_horizon",
        "_older",
        "_pending",
        "_recent",
        "_sweep_s",
        "_sweeping",
        "_watching",
    )

    def __init__(self, env: Environment, horizon: float, timeout_s: float):
        self._env = env
        self._horizon = horizon  # deadlines at or past the end of the run never fire
        self._sweep_s = min(SWEEP_S, timeout_s / 3)
        """The time between sweeps: an attempt waits at most two, less than ``timeout_s``."""
        self._recent: deque[Expirable] = deque()
        """Attempts begun since the last sweep, in the order they began."""
        self._older: deque[Expirable] = deque()
        """Attempts begun before the last sweep and open at it, in the order they began."""
        self._pending: deque[Expirable] = deque()
        """Attempts open at a sweep, in deadline order: what the watchdog waits on."""
        self._sweeping = False
        self._watching = False

    def watch(self, attempt: Expirable) -> None:
        """Expire ``attempt`` at its deadline unless it closed first (or the run ends)."""
        if attempt.deadline >= self._horizon:
            return
        if self._sweep_s <= 0.0:  # no time to wait in: straight to the watchdog
            self._pend(attempt)
            return
        self._recent.append(attempt)
        if not self._sweeping:
            self._sweep_later()

    def _sweep_later(self) -> None:
        self._sweeping = True
        Timeout(self._env, self._sweep_s).callbacks.append(self._sweep)

    def _pend(self, attempt: Expirable) -> None:
        self._pending.append(attempt)
        if not self._watching:
            self._sleep_until(attempt.deadline)

    def _sweep(self, event: Timeout) -> None:
        """Forget the attempts that finished: the older ones still open go to the
        watchdog, the recent ones still open wait for the next sweep."""
        older, recent = self._older, self._recent
        while older:
            attempt = older.popleft()
            if not attempt.closed:
                self._pend(attempt)
        while recent:
            attempt = recent.popleft()
            if not attempt.closed:
                older.append(attempt)
        self._sweeping = False
        if older:
            self._sweep_later()

    def _sleep_until(self, deadline: float) -> None:
        """Wake at ``deadline`` exactly: SimPy fires at ``now + delay``, and
        ``now + (deadline - now)`` can miss ``deadline`` by a unit in the last place
        when ``now`` is under half of it (near midnight, as plans start), so the
        delay is nudged until the sum is the deadline."""
        self._watching = True
        now = self._env._now
        delay = max(0.0, deadline - now)
        while now + delay < deadline:
            delay = math.nextafter(delay, math.inf)
        while delay > 0.0 and now + delay > deadline:
            delay = math.nextafter(delay, 0.0)
        Timeout(self._env, delay).callbacks.append(self._wake)

    def _wake(self, event: Timeout) -> None:
        pending = self._pending
        now = self._env._now  # private on purpose: see Request.__init__ (request.py)
        while pending and (pending[0].closed or pending[0].deadline <= now):
            attempt = pending.popleft()
            if not attempt.closed:
                attempt.expire()
        self._watching = False
        if pending:
            self._sleep_until(pending[0].deadline)

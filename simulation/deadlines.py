"""Client time-outs for every request with one pending SimPy event.

All attempts share the same ``timeout_s``, so their deadlines come in the
order the attempts start: a deque kept in that order is a priority queue for
free. One watchdog event waits for the head's deadline; when it fires, it
abandons the attempts that are still open and skips the (many) that finished
in time, then sleeps until the next open attempt's deadline. A request pays a
deque append instead of a timer of its own.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from simpy import Environment
from simpy.events import Timeout


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

    __slots__ = ("_env", "_horizon", "_pending", "_watching")

    def __init__(self, env: Environment, horizon: float):
        self._env = env
        self._horizon = horizon  # deadlines at or past the end of the run never fire
        self._pending: deque[Expirable] = deque()
        self._watching = False

    def watch(self, attempt: Expirable) -> None:
        """Expire ``attempt`` at its deadline unless it closed first (or the run ends)."""
        if attempt.deadline >= self._horizon:
            return
        self._pending.append(attempt)
        if not self._watching:
            self._sleep_until(attempt.deadline)

    def _sleep_until(self, deadline: float) -> None:
        self._watching = True
        Timeout(self._env, max(0.0, deadline - self._env._now)).callbacks.append(self._wake)

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

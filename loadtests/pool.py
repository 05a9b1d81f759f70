"""The pool of users that run an open workload's flows (k6's preAllocatedVUs / maxVUs).

Each scheduled flow start is handed to a free user of the pool. A user is a
budget unit's accountant with its own connection and sign-in; it runs one
flow at a time, its steps back to back, and is free again when the flow ends.

- The pool starts with ``start`` users, who sign in when the run starts.
- A start that finds no free user adds one, up to ``max``. The new user
  signs in first, then runs the flow. Such a wait (and one for a first user
  still signing in) is not hidden: it lies between the arrival's scheduled
  time and its first request, so it counts in the latency measured from the
  scheduled time, and the arrival log marks it (``waited_sign_in``).
- A start that finds no free user with the pool at ``max`` is **dropped**:
  counted, with its scheduled time, never queued or delayed silently.

Its sizes and their defaults: :mod:`loadtests.pool_size`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent
import numpy as np
from gevent.pool import Group
from locust.contrib.fasthttp import FastHttpSession

from loadtests.arrivals import ArrivalLog
from loadtests.pool_size import PoolSize

SIGN_IN_RETRY_S = 1.0


class PoolUser:
    """One user of the pool: a unit's accountant with its own HTTP session.

    It is the session's ``user`` so that Locust asks it for each request's
    context: the first request of a flow carries the arrival's scheduled time
    (``context["scheduled"]``), later ones (next steps, retries) carry none,
    their send time being their schedule.
    """

    def __init__(
        self,
        host: str,
        run: Any,
        index: int,
        timeout_s: float,
        events: Any,
        rng: np.random.Generator,
    ):
        self.rng = rng  # the process's: a generator per user cost ~1 ms to make, in the loop
        self.client = FastHttpSession(
            base_url=host,
            request_event=events.request,
            user=self,  # type: ignore[arg-type]  # Locust only calls .context()
            network_timeout=timeout_s,
            connection_timeout=timeout_s,
            max_retries=0,
        )
        self.actor = run.source.actor(self.client, index, self.rng, run.ledger)
        self.signed_in = False
        self._signing: gevent.Greenlet | None = None
        self._scheduled: float | None = None

    def context(self) -> dict[str, float]:
        scheduled, self._scheduled = self._scheduled, None
        return {} if scheduled is None else {"scheduled": scheduled}

    def begin_sign_in(self, stopping: Callable[[], bool]) -> None:
        """Start signing in (once), in the background."""
        if self._signing is None:
            self._signing = gevent.spawn(self._sign_in, stopping)

    def ready(self, stopping: Callable[[], bool]) -> bool:
        """Signed in, waiting for the sign-in if it is under way; False if stopped first."""
        if not self.signed_in:
            self.begin_sign_in(stopping)
            assert self._signing is not None
            self._signing.join()
        return self.signed_in

    def _sign_in(self, stopping: Callable[[], bool]) -> None:
        while not self.actor.sign_in():  # a failed sign-in is tried again
            if stopping():
                return
            gevent.sleep(SIGN_IN_RETRY_S)
        self.signed_in = True

    def run_flow(self, scheduled: float, steps: list[str]) -> None:
        self._scheduled = scheduled
        for step in steps:
            if not self.actor.run(step):
                break  # give up the rest of this flow, as a closed user does
        self._scheduled = None


class UserPool:
    """Free users, busy users, and the hand-off of each scheduled start."""

    def __init__(
        self,
        size: PoolSize,
        make_user: Callable[[int], PoolUser],
        log: ArrivalLog,
        stopping: Callable[[], bool],
    ):
        self.size = size
        self.make_user = make_user
        self.log = log
        self.stopping = stopping
        self.free: list[PoolUser] = []
        self.users = 0
        self.busy = 0
        self.flows = Group()

    def prepare(self) -> None:
        """Add the first ``size.start`` users; they sign in in the background while the
        schedule runs (an arrival handed to one still signing in waits for it)."""
        for _ in range(self.size.start):
            user = self._add()
            user.begin_sign_in(self.stopping)
            self.free.append(user)

    def _add(self) -> PoolUser:
        user = self.make_user(self.users)
        self.users += 1
        return user

    def start(self, scheduled: float, steps: list[str]) -> None:
        """Hand the flow due at ``scheduled`` (wall epoch) to a user, or drop it."""
        if self.free:
            user = self.free.pop()
        elif self.users < self.size.max:
            user = self._add()
        else:
            self.log.add(scheduled, dropped=True, waited_sign_in=False)
            return
        row = self.log.add(scheduled, dropped=False, waited_sign_in=not user.signed_in)
        self.busy += 1
        self.flows.spawn(self._run, user, scheduled, steps, row)

    def _run(self, user: PoolUser, scheduled: float, steps: list[str], row: int) -> None:
        try:
            if not user.ready(self.stopping):
                return
            self.log.began_at(row, time.time())
            user.run_flow(scheduled, steps)
        finally:
            self.busy -= 1
            if user.signed_in:
                self.free.append(user)  # last in, first out: its connection is warm

    def wait_idle(self, timeout_s: float) -> None:
        """Let the flows in flight finish (up to ``timeout_s``), then stop the rest."""
        self.flows.join(timeout=timeout_s)
        self.flows.kill(block=True, timeout=5)

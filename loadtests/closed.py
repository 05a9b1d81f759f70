"""Closed-workload users on the plan's two phases: sign in first, then work when ranked in.

This is :mod:`peakload.core.plan`'s closed workload as Locust runs it.

- **The pool.** The shape spawns the whole pool before the clock starts
  (:func:`spawn_count`: :attr:`Plan.pool_users`, rounded up to a multiple of
  the worker processes so each holds as many users and the ranks stay dense;
  a user ranked past the pool is never active). Each user signs in once (a
  refused sign-in is tried again after the retry delay), then draws where it
  will stand when it first works
  (:func:`~peakload.core.stationary.stationary_entry`) and makes the record
  that step acts on (:func:`~loadtests.roster.preparation`: a signed order
  for a ``submit_payment`` entry): all before the clock, outside any window.
  Then it parks. The sign-in rate is what the busiest tier can take with the
  preparation (:func:`~loadtests.roster.setup_rate`).
- **The rank.** User ``k`` of process ``i`` (of ``n``) has rank ``i + n * k``:
  ranks are dense across processes and interleaved, so every process carries
  its share at any activity level. A user works while its rank is below
  :meth:`Plan.active_users` at this wall second; each process's
  :class:`~loadtests.roster.Roster` recomputes that ten times a second and wakes exactly the
  users whose state changed.
- **Working and parking.** An active user runs from its entry (a residual
  think time, then the entry step), then picks flows by weight and thinks
  before each step: with ``--user-scale F``, a drawn think scaled so that
  think plus the step before it is F times the real user's cycle
  (:meth:`Plan.scaled_think`). Made surplus while thinking, it parks at once; while a
  request is in flight, it parks after the answer. It keeps its session and
  its place: re-activated, it resumes the step where it parked after a fresh
  residual think time. Deactivation does not depend on where a user stands,
  so the parked users' places are stationary too, and resuming them keeps the
  mix without a new sign-in or a request made only to rebuild state.
- **The think's luck, on the record.** Each think a user draws is logged as it
  starts, with the user's rank and how far it fell from its mean:
  ``F * (drawn - mean)`` wall seconds (:meth:`RequestRecorder.on_think`; a
  residual think, drawn from another distribution, is logged with none: it
  only says the user is active). Every request
  says its user's rank (``user``, in its context). The draw is independent of
  when its think starts, so the deviations of the thinks that start in any
  window have mean zero, however the window sits; validate takes them out of
  the measured throughput user by user, a control variate
  (:mod:`peakload.measure.think_control`).
- **The clock.** User ``rank`` signs in ``rank / sign_in_rate`` seconds after
  the shape's start, so the sign-ins take :attr:`Plan.setup_s`. Wall second 0
  (scenario ``run_start``) is the first shape tick at which that time has
  passed *and* every user of the pool is ready (signed in, entry prepared),
  so no setup request can fall in the day; if users are still not ready
  after :func:`setup_limit_s`, the clock starts anyway. In one process the
  shape sets the times on the roster; under a master, the workers report
  their ready users (``peakload_ready``) and the master broadcasts the
  setup's start and the clock's (``peakload_setup``, ``peakload_clock``).
"""

from __future__ import annotations

import time

import numpy as np
from locust import FastHttpUser, task
from locust.exception import StopUser
from locust.user.users import LOCUST_STATE_RUNNING, LOCUST_STATE_STOPPING, LOCUST_STATE_WAITING

from loadtests.roster import Roster
from peakload.core.plan import Plan
from peakload.core.stationary import first_entry, residual_think
from peakload.core.workload import ClosedWorkload


class TreasuryUser(FastHttpUser):
    """A closed-workload user: signs in before the clock, works while ranked in."""

    def on_start(self) -> None:
        run = self.environment.peakload
        plan: Plan = run.plan
        self.plan = plan
        self.roster: Roster = run.roster
        self.local, rank, self.wake = self.roster.join()
        self.rank = rank
        self.rng = np.random.default_rng([plan.run_seed, rank])
        scenario = plan.scenario
        workload = scenario.workload
        assert isinstance(workload, ClosedWorkload)  # an open workload has ArrivalUser
        self.workload = workload
        self.think_time = workload.think_time
        self.recorder = run.recorder
        self.retry_delay_s = workload.retry_delay_s
        self.flows = [f.steps for f in scenario.flow_list]
        weights = np.array([f.weight for f in scenario.flow_list], dtype=float)
        self.flow_p = weights / weights.sum()
        self.weights = weights.tolist()
        self.lengths = [len(steps) for steps in self.flows]
        self.source = run.source
        self.actor = run.source.actor(self.client, rank, self.rng, run.ledger)
        # Locust spawns the pool in batches of floor(rate) users a second; each user
        # signs in at its own moment, rank / rate after the start (no bursts).
        self.roster.setup_known.wait()
        self._sleep(self.roster.sign_in_at(rank) - time.time())
        while not self.actor.sign_in():
            self._sleep(self.retry_delay_s)  # setup: a refused sign-in is tried again soon
        self.flow, self.step, self.residual_s = self._first_entry()
        self.roster.ready += 1

    # --- where the user stands ---------------------------------------------------

    def _first_entry(self) -> tuple[int, int, float]:
        """Draw where the user joins (the workload's ``entry``) and make the record
        it acts on (setup)."""
        kind = self.workload.entry
        while True:
            entry = first_entry(kind, self.weights, self.lengths, self.think_time, self.rng)
            steps = self.source.preparation(self.flows[entry.flow], entry.step)
            if all(self.actor.run(step) for step in steps):
                return entry.flow, entry.step, entry.think_s
            self._sleep(self.retry_delay_s)

    def _think(self, step_s: float) -> float:
        """The think before the next step, after one that took ``step_s`` wall seconds:
        a drawn think time scaled with the users (:meth:`Plan.scaled_think`), so the
        cycle, not just the think, is ``--user-scale`` times the real user's."""
        if self.think_time is None:
            return self.plan.scaled_think(0.0, step_s)
        drawn = self.think_time.sample(self.rng)
        deviation = self.plan.user_scale * (drawn - self.think_time.mean)
        self.recorder.on_think(time.time(), self.rank, deviation)
        return self.plan.scaled_think(drawn, step_s)

    def context(self) -> dict:
        """Locust merges this into every request's context: the user's rank (the
        recorder's ``user``)."""
        return {"user": self.rank}

    def _next_flow(self) -> None:
        self.flow = int(self.rng.choice(len(self.flow_p), p=self.flow_p))
        self.step = 0

    # --- waiting: interruptible by the roster and by Locust's stop ----------------

    def _active(self) -> bool:
        return self.local < self.roster.active_local

    def _wait(self, timeout: float | None) -> None:
        """Wait for a wake-up or ``timeout``; Locust may stop the user meanwhile."""
        if self._state == LOCUST_STATE_STOPPING:
            raise StopUser()
        self._state = LOCUST_STATE_WAITING  # a stop kills a waiting user at once
        self.wake.clear()
        self.wake.wait(timeout)
        if self._state == LOCUST_STATE_STOPPING:
            raise StopUser()
        self._state = LOCUST_STATE_RUNNING

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._wait(left)

    def _pause(self, seconds: float) -> bool:
        """Think for ``seconds``; False as soon as the user is made surplus."""
        deadline = time.monotonic() + seconds
        while self._active():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            self._wait(left)
        return False

    def _park(self) -> None:
        while not self._active():
            self._wait(None)

    # --- the day -------------------------------------------------------------------

    @task
    def work(self) -> None:
        while True:
            self._park()
            self.roster.working += 1
            try:
                self._work_while_active()
            finally:
                self.roster.working -= 1
            self.residual_s = residual_think(self.think_time, self.rng)  # for the resume

    def _work_while_active(self) -> None:
        think = self.residual_s * self.plan.user_scale
        self.recorder.on_think(time.time(), self.rank, 0.0)  # the user is here; no control
        while self._pause(think):
            sent = time.monotonic()
            ok = self.actor.run(self.flows[self.flow][self.step])
            step_s = time.monotonic() - sent  # its retries included, as the model's
            self.step += 1
            if not ok or self.step == len(self.flows[self.flow]):
                self._next_flow()  # a failed step gives up the rest of its flow
            think = self._think(step_s)

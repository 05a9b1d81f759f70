"""The model of one load test as run: a :class:`~peakload.core.plan.Plan` on wall time.

``peakload simulate --as-run RUN_DIR`` (or ``simulate`` with the load test's
own flags) predicts an experiment, not the real day, so it follows the plan
the load generator follows (the spec is :mod:`peakload.core.plan`):

- the simulated time axis is **wall time**: service and think times are wall
  seconds, and wall second ``w`` stands for scenario clock
  ``run_start + compress * w``. The environment's time is ``origin + w``,
  ``origin`` being the length of the setup phase, so it never goes negative;
- **setup**: before ``w = 0`` the whole pool (``plan.pool_users``) signs in,
  one ``login`` every ``1 / sign_in_rate`` wall seconds in rank order, and
  parks;
- **the day**: every tick, users ranked below ``plan.active_users(w)`` work.
  A signed-in user active for the first time joins mid-flow from the
  stationary state (:func:`peakload.core.stationary.stationary_entry`); one
  that becomes surplus parks at once while thinking, else after its request
  in flight; re-activated, it resumes the flow and step where it parked after
  a fresh residual think time. With ``user_scale`` F a user's cycle is F times
  the real user's: after a step that took S it thinks ``F * Z - (1 - F) * S``
  (:meth:`Plan.scaled_think`), as the load generator's users do; a residual
  think is multiplied by F.
  The load generator's setup also prepares each user's entry (the steps
  before it, so it holds the records its entry acts on); none of that is
  measured, and the model leaves it out, as the spec allows;
- **failures**: each ``[[failures]]`` drill takes its servers away at its
  scenario clocks put on wall time (:meth:`PlanModel.env_time`), where the mock
  the load test starts applies it (:mod:`mock_server.drills`).

The uncompressed :class:`~simulation.model.Model` (no plan) is untouched: it
stays the reference for the real day. Plan mode only swaps the model's source
of requests (:meth:`Model._source`): a :class:`PlanPool` of :class:`PlanUser`
for a closed workload, the usual :class:`~simulation.clients.Arrivals` on the
wall-time profile for an open one; and its monitor, whose ticks fall on whole
wall seconds and ask the plan, not the profile, how many users work.
A plan-mode user pays a closure per think and a state check per response.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from simpy.events import Timeout

from peakload.core.plan import Plan
from peakload.core.profile import Profile
from peakload.core.sampling import SampleStream, named_rng
from peakload.core.stationary import FlowEntry, residual_think
from peakload.core.workload import ClosedWorkload, OpenWorkload
from simulation.clients import Arrivals, Source
from simulation.model import Model
from simulation.plan_user import PlanUser


class PlanPool:
    """The closed workload's source in plan mode: the whole sign-in pool, ranked.

    :meth:`start` schedules the setup (one sign-in every ``1 / sign_in_rate``
    seconds, in rank order); :meth:`follow` activates the users ranked below
    the plan's active count and parks the rest, newest first.
    """

    def __init__(self, model: PlanModel, workload: ClosedWorkload, seed: np.random.SeedSequence):
        self.model = model
        plan = model.plan
        think, rng = workload.think_time, named_rng(seed, "think")
        self.think_time = think
        """The scenario's think-time distribution (scenario seconds)."""
        self.think = SampleStream(lambda n: think.sample_n(rng, n))
        """Think times drawn from the scenario (scenario seconds), before scaling
        (:meth:`think_after`)."""
        flows = model.scenario.flow_list
        self.flow_weights = [f.weight for f in flows]
        self.flow_lengths = [len(f.steps) for f in flows]
        self.entry: FlowEntry = workload.entry
        """Where a user first joins (the workload's ``entry``)."""
        self.entry_rng = named_rng(seed, "entry")
        """Draws each user's mid-flow entry and residual think."""
        self.users = [PlanUser(model, self) for _ in range(plan.pool_users)]
        """The pool, by rank."""
        self.active_count = 0
        """Users ranked below this are at work."""

    def start(self) -> None:
        """Schedule the setup: every user signs in, in rank order, at the plan's rate."""
        env, rate = self.model.env, self.model.plan.sign_in_rate
        for rank, user in enumerate(self.users):
            Timeout(env, rank / rate).callbacks.append(user.sign_in)

    def follow(self, target: float) -> int:
        """Activate or park users to have ``target`` at work; returns how many are."""
        users = self.users
        wanted = min(int(target), len(users))
        while self.active_count < wanted:
            users[self.active_count].activate()
            self.active_count += 1
        while self.active_count > wanted:
            self.active_count -= 1
            users[self.active_count].park()
        return self.active_count

    def think_after(self, step_s: float) -> float:
        """The next think (wall s) of a user whose last step took ``step_s``: a draw,
        scaled so the cycle is ``user_scale`` times the real one (:meth:`Plan.scaled_think`)."""
        return self.model.plan.scaled_think(self.think.next(), step_s)

    def residual_think(self) -> float:
        """The think time left for a user joining mid-flow (wall seconds)."""
        return residual_think(self.think_time, self.entry_rng) * self.model.plan.user_scale


class PlanModel(Model):
    """The scenario's model driven by a plan on wall time (see the module docstring)."""

    def __init__(
        self,
        plan: Plan,
        seed: np.random.SeedSequence,
        tick_s: float = 1.0,
        progress: Callable[[float], None] | None = None,
    ):
        self.plan = plan
        self.origin_s = plan.setup_s
        """Environment time of wall second 0 (the end of the setup phase)."""
        super().__init__(
            plan.scenario,
            seed,
            tick_s=tick_s,
            progress=progress,
            span=(0.0, self.origin_s + plan.wall_duration_s),
        )

    def _source(self, seed: np.random.SeedSequence) -> Source:
        match workload := self.scenario.workload:
            case ClosedWorkload():
                return PlanPool(self, workload, seed)
            case OpenWorkload():
                self.profile = self._wall_profile(self.plan.user_scale)
                return Arrivals(self, workload, seed)

    @property
    def plan_users(self) -> list[PlanUser]:
        """The closed workload's pool, by rank (empty for an open workload)."""
        return self.source.users if isinstance(self.source, PlanPool) else []

    @property
    def active_count(self) -> int:
        """Users at work now (0 for an open workload)."""
        return self.source.active_count if isinstance(self.source, PlanPool) else 0

    def _wall_profile(self, factor: float) -> Profile:
        """The scenario's profile on the environment's time axis, values x ``factor``
        (piecewise linear maps to piecewise linear: exact)."""
        plan, profile = self.plan, self.scenario.workload.profile
        times = tuple(self.origin_s + plan.wall_at(t) for t in profile.times)
        return Profile(times, tuple(v * factor for v in profile.values))

    def wall(self, env_s: float) -> float:
        return env_s - self.origin_s

    def env_time(self, clock: float) -> float:
        """A ``[[failures]]`` clock on the environment's time. Never before wall
        second 0: the mock applies no failure before the run's clock starts, so a
        failure already on at the run's start begins with it, not during sign-in."""
        return self.origin_s + max(0.0, self.plan.wall_at(clock))

    # --- the monitor --------------------------------------------------------------

    def _first_tick_delay(self) -> float:
        # Ticks fall on whole wall seconds (w = ..., -1, 0, 1, ...), as the shape's do.
        return self.origin_s % self.tick_s

    def _target(self, now: float) -> float:
        wall = now - self.origin_s
        if isinstance(self.source, PlanPool):
            return float(self.plan.active_users(wall))
        return self.profile.at(now) if wall >= 0 else 0.0

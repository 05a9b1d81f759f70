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
from enum import Enum

import numpy as np
from simpy.events import Timeout

from peakload.core.plan import Plan
from peakload.core.profile import Profile
from peakload.core.sampling import SampleStream, named_rng
from peakload.core.stationary import FlowEntry, first_entry, residual_think
from peakload.core.workload import ClosedWorkload, OpenWorkload
from simulation.clients import Arrivals, Source, User
from simulation.model import Model
from simulation.request import Request, Route


class UserState(Enum):
    """Where a plan-mode user stands; :data:`MOVES` lists the moves between them.

    What the pool *wants* of the user (to work or to park) is a separate flag,
    ``active``: the state says what the user is doing about it, so a user told
    to park while a request is in flight finishes that request first.
    """

    NEW = "new"
    """Not yet asked to sign in."""
    SIGNING_IN = "signing in"
    """Its sign-in (or a retry of it) is in flight or waiting to be sent again."""
    IDLE = "idle"
    """Signed in and nothing pending: parked, or not yet resumed."""
    THINKING = "thinking"
    """A think timer is running; parking cancels it."""
    SENDING = "sending"
    """A request of its flow, or that request's retry, is in flight."""


MOVES: dict[UserState, frozenset[UserState]] = {
    UserState.NEW: frozenset({UserState.SIGNING_IN, UserState.IDLE}),
    UserState.SIGNING_IN: frozenset({UserState.IDLE}),
    UserState.IDLE: frozenset({UserState.THINKING}),
    UserState.THINKING: frozenset({UserState.SENDING, UserState.IDLE}),
    UserState.SENDING: frozenset({UserState.THINKING, UserState.IDLE}),
}
"""The moves a plan-mode user may make (a move to the state it is in is no move):
signing in ends idle; only an idle user resumes, by thinking; a think ends in a
request, or idle when parking cancels it; a request ends in the next think, or
idle when the user was parked meanwhile. A user is never in two loops at once,
because only :attr:`UserState.IDLE` resumes."""


class PlanUser(User):
    """A user of the sign-in pool: signs in during setup, then works while its rank
    is below the active count, parking (signed in) whenever it is above it.

    Its :class:`UserState` moves as :data:`MOVES` allows. A user reactivated
    while a request is pending (:attr:`UserState.SENDING`) simply carries on. A
    think timer is cancelled by parking (``epoch`` moves on, the timer finds
    itself stale).
    """

    __slots__ = ("epoch", "pool", "sent_s", "state")

    def __init__(self, model: Model, pool: PlanPool):
        super().__init__(model, pool.think)
        self.pool = pool
        """The pool this user belongs to: its entry draws and residual thinks."""
        self.active = False
        self.state = UserState.NEW
        self.epoch = 0
        self.sent_s = 0.0
        """When the step in flight was first sent (its retries keep it)."""

    @property
    def signed_in(self) -> bool:
        return self.state is not UserState.NEW and self.state is not UserState.SIGNING_IN

    def _move(self, to: UserState) -> None:
        assert to is self.state or to in MOVES[self.state], f"{self.state} -> {to}"
        self.state = to

    # --- setup: sign in, then park ---------------------------------------------

    def sign_in(self, event: Timeout) -> None:
        login = self.model.login_route
        if login is None:
            self._signed_in()
            return
        self._move(UserState.SIGNING_IN)
        self.steps, self.step = (login,), 0
        self._send()

    def _signed_in(self) -> None:
        self._move(UserState.IDLE)
        self.steps = ()  # no place in a flow yet: the first activation draws one
        if self.active:
            self.resume()

    def _sign_in_failed(self) -> None:
        model = self.model
        if self.retries_left > 0:
            self.retries_left -= 1
            Timeout(model.env, model.retry_delay_s).callbacks.append(self._sign_in_again)
        else:  # as on the real day: a failed sign-in is tried again after thinking
            Timeout(model.env, self.pool.think_after(0.0)).callbacks.append(self._sign_in_anew)

    def _sign_in_again(self, event: Timeout) -> None:
        Request(self.model, self, self.steps[self.step]).proceed()

    def _sign_in_anew(self, event: Timeout) -> None:
        self._send()

    # --- the day: work, park, resume --------------------------------------------

    def activate(self) -> None:
        self.active = True
        if self.state is UserState.IDLE:
            self.resume()

    def park(self) -> None:
        """Surplus: park at once while thinking, else after the request in flight."""
        self.active = False
        self.epoch += 1
        if self.state is UserState.THINKING:
            self._move(UserState.IDLE)

    def resume(self) -> None:
        """Work from where the user stands (the first time: where the workload's
        ``entry`` puts it, by default the stationary state of a user already at
        work), after a fresh residual think time: parked wherever it stood, its
        place is stationary too. A ``first_step`` entry sends its first request at
        once."""
        pool = self.pool
        first = not self.steps
        if first:
            entry = first_entry(
                pool.entry, pool.flow_weights, pool.flow_lengths, None, pool.entry_rng
            )
            self.steps = self.model.flow_routes[entry.flow]
            self.step = entry.step
        at_first_step = first and pool.entry is FlowEntry.FIRST_STEP  # no think before it
        self._wait(0.0 if at_first_step else pool.residual_think())

    def _think(self) -> None:
        self._wait(self.pool.think_after(self.model.env._now - self.sent_s))

    def _wait(self, seconds: float) -> None:
        self._move(UserState.THINKING)
        epoch = self.epoch
        Timeout(self.model.env, seconds).callbacks.append(lambda _e: self._thought_in(epoch))

    def _thought_in(self, epoch: int) -> None:
        if epoch == self.epoch:  # else parked meanwhile: this timer is stale
            self._move(UserState.SENDING)
            self.sent_s = self.model.env._now
            self._send()

    def _resend(self, event: Timeout) -> None:
        if self.active:
            Request(self.model, self, self.steps[self.step]).proceed()
        else:
            self._move(UserState.IDLE)  # resumes by retrying this step

    def responded(self, route: Route, ok: bool) -> None:
        if self.state is UserState.SIGNING_IN:
            if ok:
                self._signed_in()
            else:
                self._sign_in_failed()
            return
        if not ok and self.retries_left > 0 and self.active:
            self.retries_left -= 1
            Timeout(self.model.env, self.model.retry_delay_s).callbacks.append(self._resend)
            return
        if ok:
            self.step += 1
            if self.step == len(self.steps):
                self._pick_flow()
        else:
            self._pick_flow()  # give up the rest of this flow
        if self.active:
            self._think()
        else:
            self._move(UserState.IDLE)  # parks after its request in flight, at its next step


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

"""Who sends the requests: the closed workload's users or the open workload's arrivals.

A closed workload is a :class:`Population` of :class:`User` objects. Every
``tick_s`` the model asks the population for the concurrency profile's count
of users; new users start within the tick, surplus users stop. A user follows
the client rules the load test follows too:

- it signs in (``login``) when it starts, then repeatedly picks a flow by
  weight and runs its steps in order, thinking before each step;
- a failed attempt (timed out or refused) is sent again after
  ``retry_delay_s``, up to ``retries`` times; after that the user gives up the
  rest of the flow (a failed sign-in is tried again after thinking);
- a user told to stop finishes the request it has in flight, then leaves.

An open workload is an :class:`Arrivals` process: requests arrive as a
Poisson process at the rate profile, each an :class:`Arrival` that retries by
the same rules and then is gone.

Both kinds offer the model the same two calls, ``start()`` once and
``follow(target)`` every tick, so the model never asks which kind it runs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

import numpy as np
from simpy.events import Timeout

from peakload.core.distributions import Uniform
from peakload.core.sampling import ChoiceStream, SampleStream, named_rng
from peakload.core.workload import ClosedWorkload, OpenWorkload
from simulation.request import Client, Request, Route

if TYPE_CHECKING:
    from simulation.model import Model


class Source(Protocol):
    """What the model asks of a source of requests: ``start()`` once, ``follow`` every tick."""

    def start(self) -> None:
        """Schedule whatever must happen before the first tick."""

    def follow(self, target: float) -> int:
        """Bring the source to the profile's ``target``; returns the users now at work."""
        ...


class User(Client):
    """A closed-workload user: signs in, then picks flows and runs their steps."""

    __slots__ = ("active", "model", "retries_left", "step", "steps", "think")

    def __init__(self, model: Model, think: SampleStream):
        self.model = model
        self.think = think
        """This user's think times (s): the population's shared stream."""
        self.active = True
        """False once the population stopped this user; it then sends nothing more."""
        self.steps: tuple[Route, ...] = ()
        """The flow (or the sign-in) the user is working through."""
        self.step = 0
        """Index in ``steps`` of the step being sent or thought about."""
        self.retries_left = 0
        """Retries left for the current step's attempt."""

    def begin(self, event: Timeout) -> None:
        """Start work: sign in if the scenario has a login, else think, then act."""
        if not self.active:
            return
        login = self.model.login_route
        if login is not None:
            self.steps, self.step = (login,), 0
            self._send()
        else:
            self._pick_flow()
            self._think()

    def _pick_flow(self) -> None:
        model = self.model
        self.steps = model.flow_routes[model.flow_choice.next()]
        self.step = 0

    def _think(self) -> None:
        self.model.wakeups.after(self.think.next(), self)

    def wake(self, event: Timeout) -> None:
        """The think is over: send the step (the calendar calls this)."""
        if self.active:
            self._send()

    def _send(self) -> None:
        self.retries_left = self.model.retries
        Request(self.model, self, self.steps[self.step]).proceed()

    def _resend(self, event: Timeout) -> None:
        if self.active:
            Request(self.model, self, self.steps[self.step]).proceed()

    def responded(self, route: Route, ok: bool) -> None:
        """Next step after a success; retry, or give up the flow, after a failure."""
        if not self.active:
            return
        if ok:
            self.step += 1
            if self.step == len(self.steps):
                self._pick_flow()
        elif self.retries_left > 0:
            self.retries_left -= 1
            Timeout(self.model.env, self.model.retry_delay_s).callbacks.append(self._resend)
            return
        elif route is not self.model.login_route:
            self._pick_flow()  # give up the rest of this flow
        self._think()


class Arrival(Client):
    """One open-workload request and its retries."""

    __slots__ = ("model", "retries_left")

    def __init__(self, model: Model):
        self.model = model
        self.retries_left = model.retries
        """Retries left for this request."""

    def responded(self, route: Route, ok: bool) -> None:
        """Retry a failed request while retries are left; a success ends it."""
        if not ok and self.retries_left > 0:
            self.retries_left -= 1
            timer = Timeout(self.model.env, self.model.retry_delay_s)
            timer.callbacks.append(lambda _e: Request(self.model, self, route).proceed())


class Population:
    """The closed workload's users, kept at the concurrency profile's count.

    Every tick the monitor asks for ``round(profile)`` users: the missing ones
    start within the next tick (each after a uniform jitter, so a tick's new
    users do not sign in together), the surplus ones, newest first, stop.

    ``in_state``: the first tick's users are already at work, as they would be
    at that moment of a long day (:meth:`place`), so a run can start just
    before the window it is judged on.
    """

    def __init__(
        self,
        model: Model,
        workload: ClosedWorkload,
        seed: np.random.SeedSequence,
        in_state: bool = False,
    ):
        self.model = model
        self.workload = workload
        self.in_state = in_state
        """True until the first tick has placed its users mid-day."""
        self.state_rng = named_rng(seed, "in-state")
        """Draws where the first tick's users are in their flows and thinks."""
        self.think = SampleStream.of(workload.think_time, named_rng(seed, "think"))
        """Think times (s), one draw before each request a user sends."""
        self.spawn_jitter = SampleStream.of(
            Uniform(low=0.0, high=model.tick_s), named_rng(seed, "spawn")
        )
        """Delay (s) between a user's creation and its first action, within the tick."""
        self.users: list[User] = []
        """The users at work, oldest first."""

    def start(self) -> None:
        """Nothing to schedule: the first tick brings the first users."""

    def follow(self, target: float) -> int:
        """Start or stop users to match ``target``; returns the users now at work."""
        users = self.users
        wanted = round(target)
        env = self.model.env
        if self.in_state:
            self.in_state = False
            users.extend(User(self.model, self.think) for _ in range(wanted))
            self.place(users)
        while len(users) < wanted:
            user = User(self.model, self.think)
            users.append(user)
            Timeout(env, self.spawn_jitter.next()).callbacks.append(user.begin)
        while len(users) > wanted:
            users.pop().active = False
        return len(users)

    def place(self, users: list[User]) -> None:
        """Put ``users`` where a long-running population's users are at a random moment.

        Signed in already; in flow f at step k with probability proportional to
        f's weight (each step is one think-and-request cycle, so a flow of k steps
        holds its users k times as long); and part-way through a think: the
        *residual* of a think, ``U x T*`` with T* drawn length-biased (a long
        think is the more likely to be under way) and U uniform on (0, 1).
        """
        n = len(users)
        if n == 0:
            return
        model, rng = self.model, self.state_rng
        flows = model.flow_routes
        lengths = np.array([len(f) for f in flows])
        weights = np.array([f.weight for f in model.scenario.flow_list], dtype=float) * lengths
        flow = rng.choice(len(flows), size=n, p=weights / weights.sum())
        step = np.floor(rng.random(n) * lengths[flow]).astype(int)
        think = self.workload.think_time
        if think is None:
            residual = np.zeros(n)
        else:
            pool = think.sample_n(rng, max(4 * n, 10_000))
            biased = rng.choice(pool, size=n, p=pool / pool.sum()) if pool.sum() > 0 else pool[:n]
            residual = rng.random(n) * biased
        wakeups = model.wakeups
        for user, f, k, wait in zip(users, flow, step, residual, strict=True):
            user.steps, user.step = flows[f], int(k)
            wakeups.after(float(wait), user)


class Arrivals:
    """The open workload: Poisson arrivals at the rate profile, by thinning.

    Candidates arrive at the profile's peak rate; one at time ``t`` is kept
    with probability ``rate(t) / peak`` (Lewis-Shedler thinning), which leaves
    a Poisson process of rate ``rate(t)``. A kept arrival sends one request for
    a transaction drawn by its share of steps (``Scenario.step_shares``).
    """

    def __init__(self, model: Model, workload: OpenWorkload, seed: np.random.SeedSequence):
        self.model = model
        shares = model.scenario.step_shares()
        self.routes = [model.routes[name] for name in shares]
        """The transactions an arrival may run, in the order of ``choice``'s weights."""
        self.choice = ChoiceStream(list(shares.values()), named_rng(seed, "mix"))
        """Picks each arrival's transaction by its share of steps."""
        self.no_retry = Arrival(model)
        """One shared client for all arrivals when nothing is retried."""
        self.rate_max = model.profile.peak
        """The candidate rate (requests/s): the profile's peak."""
        self.constant_rate = model.profile.is_constant()
        """A flat profile keeps every candidate: no thinning draw is made."""
        rng = named_rng(seed, "arrivals")
        mean_gap_s = 1 / self.rate_max if self.rate_max > 0 else math.inf
        self.interarrival = SampleStream(lambda n: rng.exponential(mean_gap_s, n))
        """Gaps (s) between candidates, exponential at ``rate_max``."""
        self.thinning = SampleStream(lambda n: rng.random(n))
        """Uniform draws in [0, 1) that decide which candidates are kept."""

    def start(self) -> None:
        """Schedule the first candidate (none at all when the rate is zero all day)."""
        if self.rate_max > 0:
            Timeout(self.model.env, self.interarrival.next()).callbacks.append(self._arrive)

    def follow(self, target: float) -> int:
        """Arrivals follow the rate by themselves; an open workload has no users (0)."""
        return 0

    def _arrive(self, event: Timeout | None) -> None:
        model = self.model
        env = model.env
        if self.constant_rate or self.thinning.next() * self.rate_max < model.profile.at(env._now):
            route = self.routes[self.choice.next()]
            Request(model, Arrival(model) if model.retries else self.no_retry, route).proceed()
        Timeout(env, self.interarrival.next()).callbacks.append(self._arrive)

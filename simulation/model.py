"""The SimPy model of one scenario: users (or arrivals), requests and tiers.

Requests and users are driven by event callbacks on SimPy ``Timeout`` events
rather than by a generator process each: a request that meets no queue costs
one event per tier it visits, a user one event per think. The population is
adjusted every ``tick_s`` simulated seconds to the scenario's concurrency
profile, the way a Locust LoadTestShape does, so "13,000 users" means the same
in a simulation and in a load test.

Client rules (the load test follows the same ones):

- A user signs in (``login``) when it starts, then repeatedly picks a flow by
  weight and runs its steps in order, thinking before each step.
- An attempt that gets no answer within ``timeout_s`` is abandoned by the
  client (the server still finishes the work); an attempt refused by a full
  tier fails at once. Either is retried after ``retry_delay_s``, up to
  ``retries`` times; after that the user gives up the rest of the flow (a
  failed sign-in is tried again after thinking).
- A user told to stop finishes the request it has in flight, then leaves.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.core.distributions import Uniform
from peakload.core.profile import Profile
from peakload.core.sampling import ChoiceStream, SampleStream, named_rng
from peakload.core.scenario import Scenario
from peakload.measure.stats import Outcome
from simulation.deadlines import Deadlines
from simulation.tier import Tier


@dataclass(frozen=True)
class Route:
    """A transaction as the simulator runs it: its index and the tiers it visits."""

    index: int
    name: str
    hops: tuple[tuple[Tier, SampleStream], ...]


# Plain ints on the hot path; Outcome names them for everyone else.
_OK, _TIMEOUT, _REFUSED = int(Outcome.OK), int(Outcome.TIMEOUT), int(Outcome.REFUSED)


class Attempts:
    """Per-attempt records, one row per request the client sent."""

    __slots__ = ("end", "outcome", "start", "transaction")

    def __init__(self) -> None:
        self.transaction = array("i")
        self.start = array("d")
        self.end = array("d")
        self.outcome = array("b")


class Request:
    """One attempt travelling through its tiers; reports back to its client once."""

    __slots__ = ("client", "closed", "deadline", "hop", "hops", "model", "route", "start")

    def __init__(self, model: Model, client: Client, route: Route):
        self.model = model
        self.client = client
        self.route = route
        self.hops = route.hops
        self.start = now = model.env._now
        self.deadline = now + model.timeout_s
        self.hop = 0
        self.closed = False
        model.deadlines.watch(self)

    def proceed(self) -> None:
        hops = self.hops
        if self.hop == len(hops):
            self._close(_OK)
            return
        tier, stream = hops[self.hop]
        if not tier.arrive(self, stream.next()):
            self._close(_REFUSED)

    def served(self, event: Timeout) -> None:
        self.hops[self.hop][0].release()
        self.hop += 1
        self.proceed()

    def expire(self) -> None:
        """The client gave up waiting; the server still finishes the work."""
        self._close(_TIMEOUT)

    def _close(self, outcome: int) -> None:
        if self.closed:  # abandoned earlier: the server finishes, nobody listens
            return
        self.closed = True
        model = self.model
        model.record(self.route.index, self.start, model.env._now, outcome)
        self.client.responded(self.route, outcome == _OK)


class Client:
    """Whoever sends requests: a closed-workload user or an open-workload arrival."""

    __slots__ = ()

    def responded(self, route: Route, ok: bool) -> None:
        raise NotImplementedError


class User(Client):
    __slots__ = ("active", "model", "retries_left", "step", "steps")

    def __init__(self, model: Model):
        self.model = model
        self.active = True
        self.steps: tuple[Route, ...] = ()
        self.step = 0
        self.retries_left = 0

    def begin(self, event: Timeout) -> None:
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
        Timeout(self.model.env, self.model.think.next()).callbacks.append(self._thought)

    def _thought(self, event: Timeout) -> None:
        if self.active:
            self._send()

    def _send(self) -> None:
        self.retries_left = self.model.retries
        Request(self.model, self, self.steps[self.step]).proceed()

    def _resend(self, event: Timeout) -> None:
        if self.active:
            Request(self.model, self, self.steps[self.step]).proceed()

    def responded(self, route: Route, ok: bool) -> None:
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

    def responded(self, route: Route, ok: bool) -> None:
        if not ok and self.retries_left > 0:
            self.retries_left -= 1
            timer = Timeout(self.model.env, self.model.retry_delay_s)
            timer.callbacks.append(lambda _e: Request(self.model, self, route).proceed())


@dataclass(frozen=True)
class Failure:
    """``servers`` of a tier lost from ``start_s`` to ``end_s`` (an instance down)."""

    tier: str
    start_s: float
    end_s: float
    servers: int


@dataclass
class Samples:
    """What the monitor saw every tick: clock, target and actual users, tier occupancy."""

    time: array
    target: array
    concurrency: array
    in_tier: dict[str, array]


class Model:
    """Builds tiers, routes and clients for one scenario and one seed, and runs them."""

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        tick_s: float = 1.0,
        progress: Callable[[float], None] | None = None,
        failures: tuple[Failure, ...] = (),
        span: tuple[float, float] | None = None,
    ):
        self.scenario = scenario
        self.failures = failures
        # The simulated time axis: the scenario's clock, or (a plan's prediction of a
        # load test, simulation.plan_model) wall seconds from the start of its setup.
        self.start_s, self.end_s = span or (scenario.start_s, scenario.end_s)
        self.env = env = Environment(initial_time=self.start_s)
        self.tick_s = tick_s
        self.progress = progress
        workload = scenario.workload
        self.closed = workload.kind == "closed"
        self.profile: Profile = workload.profile
        self.timeout_s = workload.timeout_s
        self.retries = workload.retries
        self.retry_delay_s = workload.retry_delay_s
        minutes = int(self.end_s // 60) + 1
        self.tiers = {
            t.name: Tier(env, t.name, t.servers, t.queue_limit, minutes) for t in scenario.tiers
        }
        self.transaction_names = [t.name for t in scenario.transactions]
        self.routes = {
            txn.name: Route(
                index=i,
                name=txn.name,
                hops=tuple(
                    (
                        self.tiers[tier],
                        SampleStream.of(txn.demand[tier], named_rng(seed, f"{txn.name}@{tier}")),
                    )
                    for tier in scenario.route(txn)
                ),
            )
            for i, txn in enumerate(scenario.transactions)
        }
        self.login_route = self.routes.get(scenario.login.name) if scenario.login else None
        flows = scenario.flow_list
        self.flow_routes = [tuple(self.routes[s] for s in f.steps) for f in flows]
        self.flow_choice = ChoiceStream([f.weight for f in flows], named_rng(seed, "flow"))
        self.attempts = attempts = Attempts()
        self.deadlines = Deadlines(env, horizon=self.end_s)
        appends = (
            attempts.transaction.append,
            attempts.start.append,
            attempts.end.append,
            attempts.outcome.append,
        )

        def record(transaction: int, start: float, end: float, outcome: int) -> None:
            appends[0](transaction)
            appends[1](start)
            appends[2](end)
            appends[3](outcome)

        self.record = record
        self.samples = Samples(
            array("d"), array("d"), array("d"), {n: array("d") for n in self.tiers}
        )
        if self.closed:
            assert workload.think_time is not None
            self.think = SampleStream.of(workload.think_time, named_rng(seed, "think"))
            self.spawn_jitter = SampleStream.of(
                Uniform(low=0.0, high=tick_s), named_rng(seed, "spawn")
            )
            self.users: list[User] = []
        else:
            shares = scenario.step_shares()
            self.open_routes = [self.routes[name] for name in shares]
            self.open_choice = ChoiceStream(list(shares.values()), named_rng(seed, "mix"))
            self.no_retry = Arrival(self)
            self.rate_max = self.profile.peak
            self.constant_rate = self.profile.is_constant()
            rng = named_rng(seed, "arrivals")
            if self.rate_max > 0:
                self.interarrival = SampleStream(lambda n: rng.exponential(1 / self.rate_max, n))
                self.thinning = SampleStream(lambda n: rng.random(n))

    # --- the open workload: Poisson arrivals at a time-varying rate (thinning) ---

    def _arrive(self, event: Timeout | None) -> None:
        env = self.env
        if self.constant_rate or self.thinning.next() * self.rate_max < self.profile.at(env._now):
            route = self.open_routes[self.open_choice.next()]
            Request(self, Arrival(self) if self.retries else self.no_retry, route).proceed()
        Timeout(env, self.interarrival.next()).callbacks.append(self._arrive)

    # --- the population controller and monitor -----------------------------------

    def _tick(self):
        env = self.env
        samples = self.samples
        tiers = list(self.tiers.values())
        in_tier = [samples.in_tier[t.name] for t in tiers]
        next_progress = env.now
        while True:
            now = env.now
            target = self.profile.at(now)
            if self.closed:
                self._adjust_population(round(target))
                concurrency = len(self.users)
            else:
                concurrency = 0
            samples.time.append(now)
            samples.target.append(target)
            samples.concurrency.append(concurrency)
            for tier, column in zip(tiers, in_tier, strict=True):
                column.append(tier.busy + len(tier.queue))
            if self.progress is not None and now >= next_progress:
                self.progress(now)
                next_progress = now + 60.0
            yield env.timeout(self.tick_s)

    def _adjust_population(self, target: int) -> None:
        users = self.users
        env = self.env
        while len(users) < target:
            user = User(self)
            users.append(user)
            Timeout(env, self.spawn_jitter.next()).callbacks.append(user.begin)
        while len(users) > target:
            users.pop().active = False

    def _schedule_failure(self, failure: Failure) -> None:
        tier = self.tiers[failure.tier]
        full = tier.servers
        down = max(0.0, failure.start_s - self.env.now)
        up = max(0.0, failure.end_s - self.env.now)
        Timeout(self.env, down).callbacks.append(
            lambda _e: tier.resize(max(0, full - failure.servers))
        )
        Timeout(self.env, up).callbacks.append(lambda _e: tier.resize(full))

    def run(self) -> Model:
        env = self.env
        for failure in self.failures:
            self._schedule_failure(failure)
        env.process(self._tick())
        if not self.closed and self.rate_max > 0:
            Timeout(env, self.interarrival.next()).callbacks.append(self._arrive)
        env.run(until=self.end_s)
        if self.progress is not None:
            self.progress(self.end_s)
        return self

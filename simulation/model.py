"""The SimPy model of one scenario: tiers, requests and whoever sends them.

:class:`Model` builds, for one scenario and one seed, the tiers
(:mod:`simulation.tier`), each transaction's route through them
(:mod:`simulation.request`), and the source of requests
(:mod:`simulation.clients`: a population of users for a closed workload,
Poisson arrivals for an open one), then runs the day from the scenario's start
to its end.

Every ``tick_s`` simulated seconds a monitor brings the source to the
profile's value at that moment (the way a Locust LoadTestShape does, so
"13,000 users" means the same in a simulation and in a load test) and samples
the day: target and actual users, and requests at each tier. Every attempt a
client sends is recorded as it ends, in :class:`Attempts`; the statistics are
computed from these records afterwards, never on the hot path.

Tier failures (:class:`Failure`) take servers away for a stretch of the day,
for what-if runs.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.core.profile import Profile
from peakload.core.sampling import ChoiceStream, SampleStream, named_rng
from peakload.core.scenario import Scenario
from peakload.core.workload import ClosedWorkload, OpenWorkload
from simulation.clients import Arrivals, Population
from simulation.deadlines import Deadlines
from simulation.request import Route
from simulation.tier import Tier


class Attempts:
    """Per-attempt records, one row per request the client sent."""

    __slots__ = ("end", "outcome", "start", "transaction")

    def __init__(self) -> None:
        self.transaction = array("i")
        self.start = array("d")
        self.end = array("d")
        self.outcome = array("b")


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
    ):
        self.scenario = scenario
        self.failures = failures
        self.env = env = Environment(initial_time=scenario.start_s)
        self.tick_s = tick_s
        self.progress = progress
        workload = scenario.workload
        self.profile: Profile = workload.profile
        self.timeout_s = workload.timeout_s
        self.retries = workload.retries
        self.retry_delay_s = workload.retry_delay_s
        minutes = int(scenario.end_s // 60) + 1
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
        self.deadlines = Deadlines(env, horizon=scenario.end_s)
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
        self.source: Population | Arrivals
        match workload:
            case ClosedWorkload():
                self.source = Population(self, workload, seed)
            case OpenWorkload():
                self.source = Arrivals(self, workload, seed)

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
            concurrency = self.source.follow(target)
            samples.time.append(now)
            samples.target.append(target)
            samples.concurrency.append(concurrency)
            for tier, column in zip(tiers, in_tier, strict=True):
                column.append(tier.busy + len(tier.queue))
            if self.progress is not None and now >= next_progress:
                self.progress(now)
                next_progress = now + 60.0
            yield env.timeout(self.tick_s)

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
        self.source.start()
        env.run(until=self.scenario.end_s)
        if self.progress is not None:
            self.progress(self.scenario.end_s)
        return self

"""The SimPy model of one scenario: tiers, requests and whoever sends them.

:class:`Model` builds, for one scenario and one seed, the tiers
(:mod:`simulation.stations`), each transaction's route through them
(:mod:`simulation.request`), and the source of requests
(:mod:`simulation.clients`: a population of users for a closed workload,
Poisson arrivals for an open one), then runs the day from the scenario's start
to its end.

Every ``tick_s`` simulated seconds a monitor brings the source to the
profile's value at that moment (the way a Locust LoadTestShape does, so
"13,000 users" means the same in a simulation and in a load test) and samples
the day: target and actual users, and requests at each tier. Every attempt a
client sends is appended as it ends to :class:`Attempts`, a buffer that the
monitor hands, once it holds :data:`FLUSH_AT` attempts, to a
:class:`~peakload.measure.request_stream.RequestStream` (per-minute counts,
sums and quantile sketches) and empties; the tiers' visits go the same way.
Nothing is kept per request once it is counted, and nothing is computed on
the hot path.

Tier failures (:class:`peakload.core.scenario.Failure`: the scenario's
``[[failures]]``, and ``peakload size``'s N-1 checks) take servers away for a
stretch of the day.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from functools import partial

import numpy as np
from simpy import Environment
from simpy.events import Timeout

from peakload.core.profile import Profile
from peakload.core.runtime import without_collections
from peakload.core.sampling import ChoiceStream, SampleStream, named_rng
from peakload.core.scenario import Failure, Scenario
from peakload.core.workload import ClosedWorkload, OpenWorkload
from peakload.measure.request_stream import RequestStream
from peakload.measure.visit_stream import VisitStream
from simulation.attempts import FLUSH_AT, Attempts, Samples, grid
from simulation.clients import Arrivals, Population, Source
from simulation.deadlines import Deadlines
from simulation.deferred import DeferredHop
from simulation.delay_tier import DelayTier
from simulation.request import Route
from simulation.stations import SharedTier, Tier, build_station
from simulation.wakeups import WakeCalendar, bucket_width


class Model:
    """Builds tiers, routes and clients for one scenario and one seed, and runs them.

    ``Model(scenario, seed).run()`` simulates the day from ``scenario.start_s``
    to ``scenario.end_s``; the results are in :attr:`attempts`, :attr:`samples`
    and each tier's records (:attr:`tiers`). ``tick_s`` is the monitor's
    period (s); ``progress``, if given, is called with the simulated time about
    once a simulated minute; ``failures`` take servers away for a while;
    ``in_state`` starts a closed population at work, as at that moment of a
    long day, rather than signing in from nobody.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        tick_s: float = 1.0,
        progress: Callable[[float], None] | None = None,
        failures: tuple[Failure, ...] = (),
        span: tuple[float, float] | None = None,
        in_state: bool = False,
        window: tuple[float, float] | None = None,
    ):
        self.scenario = scenario
        self.in_state = in_state
        """A closed population starts at work, not signed out (:class:`Population`)."""
        self.failures = failures
        self.start_s, self.end_s = span or (scenario.start_s, scenario.end_s)
        """The simulated span: the scenario's day, or (a plan's prediction of a load
        test, :mod:`simulation.plan_model`) wall seconds from the start of its setup."""
        self.env = env = Environment(initial_time=self.start_s)
        """The SimPy environment; its clock reads seconds after midnight (or the span's)."""
        self.tick_s = tick_s
        self.progress = progress
        workload = scenario.workload
        self.profile: Profile = workload.profile
        """The load over the day: users (closed) or requests/s (open)."""
        self.timeout_s = workload.timeout_s
        """Seconds a client waits for an answer."""
        self.retries = workload.retries
        """Retries of a timed-out or refused attempt."""
        self.retry_delay_s = workload.retry_delay_s
        """Seconds between a failed attempt and its retry."""
        minutes = int(self.end_s // 60) + 1
        self.tiers = {t.name: build_station(env, t, minutes) for t in scenario.tiers}
        """Each tier by name, in the scenario's order (:mod:`simulation.stations`)."""
        self.transaction_names = [t.name for t in scenario.transactions]
        """Names by transaction index, to read :attr:`attempts` back."""
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
                deferred=tuple(
                    DeferredHop(
                        work.after_s,
                        self.tiers[work.tier],
                        SampleStream.of(
                            work.demand, named_rng(seed, f"{txn.name}@{work.tier}/deferred{j}")
                        ),
                    )
                    for j, work in enumerate(txn.deferred)
                ),
            )
            for i, txn in enumerate(scenario.transactions)
        }
        """Each transaction's route by name, with its own service-time streams."""
        self.login_route = self.routes.get(scenario.login.name) if scenario.login else None
        """The sign-in's route, or None when the scenario has no login."""
        flows = scenario.flow_list
        self.flow_routes = [tuple(self.routes[s] for s in f.steps) for f in flows]
        """Each flow's steps as routes, in the order of ``scenario.flow_list``."""
        self.flow_choice = ChoiceStream([f.weight for f in flows], named_rng(seed, "flow"))
        """Picks a user's next flow (an index into :attr:`flow_routes`) by weight."""
        self.attempts = attempts = Attempts()
        """One row per attempt, appended as it gets its outcome, until counted."""
        self.requests: RequestStream
        """Every attempt, counted on the run's grid (:meth:`observe`)."""
        self.observe(self._grid(window), window, seed)
        self.deadlines = Deadlines(env, horizon=self.end_s, timeout_s=self.timeout_s)
        """The watchdog that times attempts out."""
        thinking = workload.think_time.mean if isinstance(workload, ClosedWorkload) else 0.0
        self.wakeups = WakeCalendar(env, bucket_width(self.profile.peak, thinking))
        """Thinking users' wake-ups, out of SimPy's event heap until they are near."""
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
        """Append one attempt's row to :attr:`attempts` (bound appends: the hot path)."""
        self.samples = Samples(
            array("d"), array("d"), array("d"), {n: array("d") for n in self.tiers}
        )
        """What the monitor saw every ``tick_s``."""
        self.source: Source = self._source(seed)
        """Where requests come from; the monitor calls its ``follow`` every tick."""

    def _grid(self, window: tuple[float, float] | None) -> np.ndarray:
        failures = (*self.scenario.failures, *self.failures)
        marks = [t for f in failures for t in (f.start_s, f.end_s)]
        return grid((self.start_s, self.end_s), *(window or ()), *marks)

    def observe(
        self, edges: np.ndarray, window: tuple[float, float] | None, seed: np.random.SeedSequence
    ) -> None:
        """Count attempts and visits on the bins ``edges`` (the environment's time),
        keeping per-transaction quantiles over ``window`` (None: per bin, for a
        window found after the run). Call before :meth:`run`."""
        self.requests = RequestStream(
            self.transaction_names, edges, window, named_rng(seed, "latency-sample")
        )
        for tier in self.tiers.values():
            if isinstance(tier, Tier | DelayTier):
                tier.stream = VisitStream(tier.servers, edges, delay=isinstance(tier, DelayTier))

    def flush(self) -> None:
        """Count the buffered attempts and visits into their streams, and forget them."""
        attempts = self.attempts
        if attempts.end:
            end = np.array(attempts.end)  # copies: the buffers are emptied below
            self.requests.add(
                np.array(attempts.transaction, dtype=np.int32),
                end,
                end - np.array(attempts.start),
                np.array(attempts.outcome, dtype=np.int8),
            )
            for column in (attempts.transaction, attempts.start, attempts.end, attempts.outcome):
                del column[:]
        for tier in self.tiers.values():
            if isinstance(tier, Tier | DelayTier):
                tier.flush()

    def _source(self, seed: np.random.SeedSequence) -> Source:
        """The workload's source of requests (a plan's model brings its own)."""
        match workload := self.scenario.workload:
            case ClosedWorkload():
                return Population(self, workload, seed, in_state=self.in_state)
            case OpenWorkload():
                return Arrivals(self, workload, seed)

    # --- the population controller and monitor -----------------------------------

    def _first_tick_delay(self) -> float | None:
        """Seconds before the first tick (None: tick at once, without a timeout)."""
        return None

    def _target(self, now: float) -> float:
        """The population (closed) or arrival rate (open) the source follows at ``now``."""
        return self.profile.at(now)

    def _tick(self):
        env = self.env
        samples = self.samples
        tiers = list(self.tiers.values())
        in_tier = [samples.in_tier[t.name] for t in tiers]
        delay = self._first_tick_delay()
        if delay is not None:
            yield env.timeout(delay)
        next_progress = env.now
        while True:
            now = env.now
            target = self._target(now)
            concurrency = self.source.follow(target)
            samples.time.append(now)
            samples.target.append(target)
            samples.concurrency.append(concurrency)
            for tier, column in zip(tiers, in_tier, strict=True):
                column.append(tier.busy + len(tier.queue))
            if len(self.attempts.end) >= FLUSH_AT:
                self.flush()
            if self.progress is not None and now >= next_progress:
                self.progress(now)
                next_progress = now + 60.0
            yield env.timeout(self.tick_s)

    def _schedule_failures(self) -> None:
        """Resize each failing tier at every start and end of its failures.

        The scenario's ``[[failures]]`` and the extra ones given to the model
        (``peakload size``'s N-1 checks) add up where they overlap: the tier
        keeps ``servers - lost instances x workers``, never fewer than none.
        """
        failures = (*self.scenario.failures, *self.failures)
        env = self.env
        for name in dict.fromkeys(f.tier for f in failures):
            tier = self.tiers[name]
            assert isinstance(tier, Tier | SharedTier), "the scenario refuses to fail a delay"
            workers = self.scenario.tier(name).workers
            mine = [f for f in failures if f.tier == name]
            for clock in sorted({c for f in mine for c in (f.start_s, f.end_s)}):
                lost = sum(f.instances * workers for f in mine if f.active(clock))
                Timeout(env, max(0.0, self.env_time(clock) - env.now)).callbacks.append(
                    partial(_resize, tier, max(0, tier.servers - lost))
                )

    def env_time(self, clock: float) -> float:
        """The environment's time at scenario clock ``clock``: the same on the real
        day (a plan's model maps it onto wall time)."""
        return clock

    def run(self) -> Model:
        """Simulate the day to :attr:`end_s`; returns this model, records filled."""
        env = self.env
        self._schedule_failures()
        env.process(self._tick())
        self.source.start()
        with without_collections():  # they walked every user and freed nothing (runtime.py)
            env.run(until=self.end_s)
        self.flush()
        if self.progress is not None:
            self.progress(self.end_s)
        return self


def _resize(tier: Tier | SharedTier, servers: int, event: Timeout) -> None:
    tier.resize(servers)

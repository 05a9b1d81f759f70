"""Predict a load test as run: replications of :class:`~simulation.plan_model.PlanModel`,
summarised the way the load test's own summary is.

The model runs on wall time; the summary is keyed on the scenario clock, as
``loadtests/summary.py`` keys a measurement: the window is the plan's
(cut by ``--duration`` like the load test's), rates are per wall second,
times in seconds, concurrency in scenario users (virtual users / user scale,
``virtual_users_peak`` keeps the real count), and the per-minute series has
one row per scenario-clock minute of the run. So ``peakload compare SIM LOAD``
compares like with like, figure by figure. The replication's records go
through the one reducer (:mod:`peakload.measure.reduce`) with a
:class:`~peakload.measure.observations.Timebase` from the environment's time
to the scenario clock, as a load test's do; each tier's visits stay on the
environment's time (:class:`WallTier`), where its services are measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from peakload.contract.summary import RunKind, TierStats
from peakload.contract.timeseries import Timeseries
from peakload.core.plan import Plan
from peakload.core.runtime import collected_on_leaving
from peakload.core.workload import ClosedWorkload
from peakload.measure.observations import (
    Population,
    TierIntervals,
    Timebase,
)
from peakload.measure.reduce import Observations, summarize, timeseries
from peakload.measure.request_stream import RequestStream
from peakload.measure.stats import minute_edges
from peakload.measure.visit_stream import VisitStream
from peakload.measure.window_sketches import WindowSketches
from simulation.drills import drill_summary, lost_series
from simulation.plan_model import PlanModel
from simulation.records import RunRecords
from simulation.runner import Replication, SimulationResult, replicate

Progress = Callable[[float], None]

ON_ENVIRONMENT = Timebase()
"""The environment's own time: wall seconds, ``compress`` 1."""


def measured_window(plan: Plan) -> tuple[float, float]:
    """The plan's window on the scenario clock, cut where the run stops (``--duration``)."""
    w0, w1 = plan.measure_window_s
    return w0, min(w1, plan.clock_at(plan.wall_duration_s))


def plan_timebase(plan: Plan, origin: float) -> Timebase:
    """Environment time to scenario clock: wall second 0 is ``origin``, the run's start."""
    return Timebase(compress=plan.compress, start_s=plan.run_start_s, origin=origin)


@dataclass(frozen=True)
class WallRequests:
    """The run's attempts, counted on the environment's (wall) time, asked about
    windows and bins on the scenario clock: each is mapped back to wall time,
    on the grid the stream was given (:func:`plan_grid`)."""

    stream: RequestStream
    timebase: Timebase

    @property
    def names(self) -> list[str]:
        return self.stream.names

    def _wall(self, window: tuple[float, float]) -> tuple[float, float]:
        return self.timebase.wall(window[0]), self.timebase.wall(window[1])

    def summary(
        self, window: tuple[float, float], length_s: float | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.stream.summary(self._wall(window), length_s)

    def series(self, edges: np.ndarray, wall_widths: np.ndarray) -> dict[str, np.ndarray]:
        wall_edges = np.array([self.timebase.wall(float(e)) for e in edges])
        return self.stream.series(wall_edges, wall_widths)

    def latencies_in(self, window: tuple[float, float]) -> np.ndarray:
        return self.stream.latencies_in(self._wall(window))

    def window_sketches(self, window: tuple[float, float]) -> WindowSketches:
        return self.stream.window_sketches(self._wall(window))


def plan_span(plan: Plan) -> tuple[float, float]:
    """The stretch of scenario clock the run covers."""
    return plan.run_start_s, plan.clock_at(plan.wall_duration_s)


def plan_grid(plan: Plan, timebase: Timebase) -> np.ndarray:
    """The streams' bins on wall time: each scenario-clock minute of the run, the
    window's ends and the drills', mapped to the wall as the reducer maps them."""
    span = plan_span(plan)
    marks = [t for f in plan.scenario.failures for t in (f.start_s, f.end_s)]
    clocks = np.concatenate((minute_edges(*span), measured_window(plan), marks))
    clocks = np.unique(clocks[(clocks >= span[0]) & (clocks <= span[1])])
    return np.unique([timebase.wall(float(c)) for c in clocks])


@dataclass(frozen=True)
class WallTier:
    """A tier's visits on the environment's (wall) time, asked about windows and
    bins on the scenario clock: each is mapped back to wall time, where the
    service intervals, the per-minute queue maxima and the samples live."""

    visits: TierIntervals | VisitStream

    @property
    def servers(self) -> int:
        return self.visits.servers

    def stats(self, window: tuple[float, float], timebase: Timebase) -> TierStats:
        wall = (timebase.wall(window[0]), timebase.wall(window[1]))
        return self.visits.stats(wall, ON_ENVIRONMENT)

    def series(
        self, edges: np.ndarray, wall_widths: np.ndarray, timebase: Timebase
    ) -> tuple[np.ndarray, np.ndarray]:
        visits = self.visits
        wall_edges = np.array([timebase.wall(float(e)) for e in edges])
        # The longest queue of the wall minute(s) each row overlaps (a row is 60/K wall s).
        by_minute = visits.max_queue_by_minute
        first = (wall_edges[:-1] // 60).astype(int)
        last = (wall_edges[1:] // 60).astype(int)
        queue = np.array(
            [by_minute[a : b + 1].max(initial=0) for a, b in zip(first, last, strict=True)],
            dtype=float,
        )
        return visits.busy_share(wall_edges, wall_widths), queue


def plan_observations(records: RunRecords, plan: Plan, origin: float) -> Observations:
    """The replication's records as a load test would hand them to the reducer:
    ends on the scenario clock, concurrency in scenario users (virtual users /
    user scale, the virtual count kept), tiers on wall time."""
    timebase = plan_timebase(plan, origin)
    scale = plan.user_scale
    closed = isinstance(plan.scenario.workload, ClosedWorkload)
    population = Population(
        time=timebase.clock(records.sample_time),
        value=records.concurrency / scale if closed else records.population,
        target=records.target / scale,
        virtual=records.concurrency if closed else None,
    )
    return Observations(
        requests=WallRequests(records.requests, timebase),
        population=population,
        tiers={name: WallTier(t) for name, t in records.tiers.items()},
        span=plan_span(plan),
        timebase=timebase,
    )


@collected_on_leaving()
def run_plan_replication(
    plan: Plan, seed: np.random.SeedSequence, progress: Progress | None = None
) -> Replication:
    """One seeded replication of the plan: its summary, series and window latencies."""
    started = time.perf_counter()
    model = PlanModel(plan, seed, progress=progress)
    window = measured_window(plan)
    timebase = plan_timebase(plan, model.origin_s)
    model.observe(
        plan_grid(plan, timebase), (timebase.wall(window[0]), timebase.wall(window[1])), seed
    )
    model.run()
    records = RunRecords.of(model)
    observations = plan_observations(records, plan, model.origin_s)
    summary = summarize(RunKind.SIMULATION, plan.scenario.name, observations, window)
    summary.simulated_requests = records.attempts
    summary.wall_s = time.perf_counter() - started
    failures = plan.scenario.failures
    summary.drills = drill_summary(records.tiers, failures, window, observations.timebase)
    latencies = observations.requests.latencies_in(window)
    columns = timeseries(observations)
    if failures:  # what the drills took, per scenario-clock minute, as the load test's series
        edges = np.append(columns["time_s"], observations.span[1])
        columns |= lost_series(plan.scenario, failures, edges)
    sketches = WallRequests(records.requests, observations.timebase).window_sketches(window)
    return Replication(summary, columns, latencies, sketches)


def plan_timeseries(records: RunRecords, plan: Plan, origin: float) -> Timeseries:
    """One row per scenario-clock minute of the run, the load test's columns."""
    return timeseries(plan_observations(records, plan, origin))


def simulate_plan(
    plan: Plan,
    replications: int = 1,
    seed: int | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Replications of the plan's experiment, summarised like the load test.

    ``progress`` gets the environment seconds done, summed over replications;
    the total is :func:`plan_seconds`.
    """
    result = replicate(
        partial(run_plan_replication, plan),
        plan.run_seed if seed is None else seed,
        replications,
        plan.scenario.slo,
        plan.setup_s + plan.wall_duration_s,
        jobs,
        progress,
    )
    result.summary.plan = plan.summary_section()
    return result


def plan_seconds(plan: Plan, replications: int) -> float:
    """The progress total of :func:`simulate_plan`."""
    return (plan.setup_s + plan.wall_duration_s) * replications

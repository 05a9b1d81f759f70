"""A load test's observations, summarised in the same contract as a simulation.

What Locust and the monitor recorded becomes the reducer's observations
(:mod:`peakload.measure.reduce`), the same kind a simulation hands it, so the
summary and the per-minute series are computed by the same code:

- attempts from the per-process request records, their end times put on the
  scenario clock (wall seconds x compression from the shape's start), so a
  measured 10:00 is the simulated 10:00;
- the population from the shape's log, in scenario users (virtual users /
  user scale; ``virtual_users_peak`` keeps the real count);
- each tier from the server's cumulative counters sampled every second
  (:class:`~peakload.measure.observations.TierCounters`).

Rates stay per wall second: with think times unchanged, a wall second of a
compressed run carries the request rate of the real moment it stands for.
What only a load test has is added here: the ``generator`` section (did the
generator keep up?), the ``plan``, ``latency`` (from the send and from the
schedule) and, for an open workload, ``arrivals`` (flow starts scheduled,
begun, late, dropped: :mod:`peakload.measure.schedule`). An open workload's
attempts are reduced on their latency from the scheduled time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from loadtests.monitor import Samples
from loadtests.pool_size import pool_size
from loadtests.run_files import shape_origin
from loadtests.tier_samples import tier_counters as tier_counters
from peakload.contract.summary import Generator, Overall, RunKind, Summary
from peakload.contract.timeseries import Timeseries
from peakload.core.plan import Plan
from peakload.core.workload import ClosedWorkload, OpenWorkload
from peakload.measure import reduce, schedule
from peakload.measure.observations import Population, Requests, Timebase
from peakload.measure.stats import mean_by_bin, minute_edges, sustained_peak

RATE_SHORTFALL = 0.05  # achieved more than 5 % under intended: the generator fell behind
COUNT_NOISE_SD = 3.0  # ... beyond 3 standard deviations of a Poisson count of the window's requests


@dataclass
class Measurement:
    """Everything one load test recorded, before it is reduced."""

    plan: Plan
    records: dict[str, np.ndarray]  # end (wall epoch), response, transaction, outcome, status
    shape: dict[str, np.ndarray]  # wall, elapsed, target, users (virtual)
    samples: Samples
    cpu_warning: bool  # Locust logged "CPU usage above 90%"
    arrivals: dict[str, np.ndarray] | None = None  # an open workload's arrival logs, merged

    @property
    def origin(self) -> float:
        """The wall epoch at which the shape's clock started."""
        return shape_origin(self.shape)

    @property
    def timebase(self) -> Timebase:
        """The plan's compressed clock, started when the shape started."""
        return Timebase(self.plan.compress, self.plan.run_start_s, self.origin)

    def clock(self, wall: np.ndarray | float) -> np.ndarray:
        return self.timebase.clock(wall)

    def wall(self, clock: float) -> float:
        return self.timebase.wall(clock)

    @property
    def basis(self) -> schedule.LatencyBasis:
        """What a request's latency is measured from: an open workload's schedule, a
        closed workload's send time (:mod:`peakload.measure.schedule`)."""
        return schedule.basis(isinstance(self.plan.scenario.workload, OpenWorkload))

    def requests(self) -> Requests:
        """Every attempt, each latency the one the SLO is judged on (:meth:`observations`)."""
        return Requests(
            names=[t.name for t in self.plan.scenario.transactions],
            transaction=self.records["transaction"],
            end=self.clock(self.records["end"]),
            response=schedule.judged_response(self.records, self.basis),
            outcome=self.records["outcome"],
        )

    def observations(self) -> reduce.Observations:
        """The run as the reducer's observations; each attempt's latency is the one the
        SLO is judged on (from the scheduled time for an open workload)."""
        plan = self.plan
        return reduce.Observations(
            requests=self.requests(),
            population=Population(
                time=self.clock(self.shape["wall"]),
                value=self.shape["users"] / plan.user_scale,
                target=self.shape["target"] / plan.user_scale,
                virtual=self.shape["users"],
            ),
            tiers=tier_counters(self.samples, plan.scenario.tiers),
            span=(plan.run_start_s, plan.clock_at(plan.wall_duration_s)),
            timebase=self.timebase,
        )


def window_latencies(m: Measurement) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Every attempt's response time in the measured window, for statistical comparison:
    all of them, and each transaction's apart."""
    requests, window = m.requests(), m.plan.measure_window_s
    return requests.latencies_in(window), requests.latencies_by_transaction(window)


def summarize(m: Measurement) -> Summary:
    """The measured window's summary (not yet judged, not yet reconciled)."""
    plan = m.plan
    w0, w1 = plan.measure_window_s
    w1 = min(w1, plan.clock_at(plan.wall_duration_s))  # a --duration cut
    observations = m.observations()
    summary = reduce.summarize(RunKind.LOADTEST, plan.scenario.name, observations, (w0, w1))
    assert summary.overall is not None
    end_clock = m.clock(m.records["end"])
    summary.latency = schedule.latency_section(
        m.records, (end_clock >= w0) & (end_clock < w1), m.basis
    )
    arrivals = _arrivals(m, (w0, w1), (w1 - w0) / plan.compress)
    if arrivals is not None:
        summary.arrivals = arrivals
    summary.generator = _generator(m, summary.overall, m.wall(w0), m.wall(w1), arrivals)
    summary.drills = _drills(m, w0, w1)
    summary.plan = plan.summary_section()
    return summary


def _drills(m: Measurement, w0: float, w1: float) -> dict[str, dict]:
    """Each ``[[failures]]`` drill: its tier's mean wait and response inside the
    drill and in the rest of the window, from the server's counters."""
    if not m.samples.wall or not m.samples.tiers[-1]:
        return {}
    drills = {}
    for failure in m.plan.scenario.failures:
        lo, hi = max(failure.start_s, w0), min(failure.end_s, w1)
        if hi <= lo:
            continue
        whole = _counters(m, failure.tier, m.wall(w0), m.wall(w1))
        inside = _counters(m, failure.tier, m.wall(lo), m.wall(hi))
        outside = tuple(a - b for a, b in zip(whole, inside, strict=True))
        drills[failure.key] = {
            "tier": failure.tier,
            "instances": failure.instances,
            "inside": _visits(*inside),
            "outside": _visits(*outside),
        }
    return drills


def _counters(m: Measurement, tier: str, wall0: float, wall1: float) -> tuple[float, ...]:
    """Completions, wait seconds and busy seconds of ``tier`` between two wall times
    (the monitor's samples nearest to them)."""
    times = np.asarray(m.samples.wall)
    first, last = (
        m.samples.tiers[int(np.clip(np.searchsorted(times, w), 0, len(times) - 1))].get(tier, {})
        for w in (wall0, wall1)
    )
    keys = ("completions", "wait_seconds", "busy_seconds")
    if "cores" in last:  # workers sharing cores: the wait for a worker, then the time held
        keys = ("completions", "worker_wait_seconds", "held_seconds")
    return tuple(last.get(k, 0.0) - first.get(k, 0.0) for k in keys)


def _visits(done: float, waited: float, busy: float) -> dict[str, float]:
    return {
        "visits": done,
        "mean_wait_s": waited / done if done else float("nan"),
        "mean_response_s": (waited + busy) / done if done else float("nan"),
    }


def _arrivals(
    m: Measurement, window: tuple[float, float], wall_length: float
) -> dict[str, Any] | None:
    """An open workload's flow starts: scheduled, begun, dropped (``schedule``)."""
    if m.arrivals is None:
        return None
    plan, (lo, hi) = m.plan, window
    rate = plan.scenario.workload.profile.integral(lo, hi) / (hi - lo) * plan.user_scale
    return schedule.arrival_section(
        m.arrivals,
        m.clock(m.arrivals["scheduled"]),
        window,
        wall_length,
        rate / plan.scenario.mean_steps_per_flow(),
        pool_size(plan).max,
    )


def _generator(
    m: Measurement,
    overall: Overall,
    wall0: float,
    wall1: float,
    arrivals: dict[str, Any] | None = None,
) -> Generator:
    """Honest measurement: how hard the generator worked, and whether it kept up."""
    plan = m.plan
    times = np.asarray(m.samples.wall)
    inside = (times >= wall0) & (times <= wall1)
    cpu = np.asarray(m.samples.generator_cpu)[inside]
    single = np.asarray(m.samples.generator_max_process_cpu)[inside]
    server = np.asarray(m.samples.server_cpu)[inside]
    workload = plan.scenario.workload
    if isinstance(workload, ClosedWorkload):
        think = workload.think_time.mean if workload.think_time else 0.0
        mean_response = overall.mean_s if np.isfinite(overall.mean_s) else 0.0
        # Steps only: the pool signed in before the clock (no sign-in in a window). A
        # virtual user's cycle is user_scale times a scenario user's (Plan.scaled_think),
        # so the rate is the scenario users' own.
        intended = overall.mean_concurrency / (think + mean_response)
    else:
        lo, hi = plan.measure_window_s
        intended = plan.scenario.workload.profile.integral(lo, hi) / (hi - lo) * plan.user_scale
    achieved = overall.throughput_rps
    reasons = []
    if m.cpu_warning:
        reasons.append("Locust warned that its CPU was above 90 %")
    sustained = sustained_peak(single, schedule.SATURATION_SPAN_S)
    if (held := schedule.cpu_reason(sustained)) is not None:
        reasons.append(held)
    # A short window's count is noisy (400 requests: 5 % is one standard deviation).
    expected = intended * (wall1 - wall0)
    noise = COUNT_NOISE_SD * np.sqrt(expected) / (wall1 - wall0) if expected > 0 else 0.0
    if intended > 0 and achieved < intended * (1 - RATE_SHORTFALL) - noise:
        reasons.append(
            f"achieved {achieved:.1f} req/s, {1 - achieved / intended:.1%} under the "
            f"intended {intended:.1f} req/s"
        )
    if arrivals is not None:  # open: judged on the schedule and CPU, never on responses
        reasons = schedule.open_saturation(arrivals, sustained, m.cpu_warning)
    return Generator(
        processes=1 + (plan.workers if plan.workers > 1 else 0),
        cpu_mean_pct=float(cpu.mean()) if len(cpu) else 0.0,
        cpu_max_pct=float(cpu.max()) if len(cpu) else 0.0,
        max_process_cpu_pct=float(single.max()) if len(single) else 0.0,
        server_cpu_mean_pct=float(server.mean()) if len(server) else 0.0,
        intended_rps=intended,
        achieved_rps=achieved,
        achieved_vs_intended=achieved / intended if intended else 1.0,
        saturated=bool(reasons),
        reasons=reasons,
        **({"dropped_starts": arrivals["dropped"]} if arrivals is not None else {}),
    )


def timeseries(m: Measurement) -> Timeseries:
    """One row per scenario-clock minute of the run, the simulation's columns."""
    observations = m.observations()
    columns = reduce.timeseries(observations)
    if m.arrivals is not None:  # an open workload's starts and pool, per minute
        edges = minute_edges(*observations.span)
        columns |= schedule.arrival_series(
            m.arrivals,
            m.clock(m.arrivals["scheduled"]),
            m.clock(m.arrivals["sample_wall"]),
            edges,
            np.diff(edges) / m.plan.compress,
        )
    if m.plan.scenario.failures and m.samples.wall and m.samples.tiers[-1]:
        # what the drills took, as the mock applied them
        sample_clock = m.clock(np.asarray(m.samples.wall))
        edges = np.append(columns["time_s"], m.plan.clock_at(m.plan.wall_duration_s))
        for name in m.samples.tiers[-1]:
            lost = np.array([s.get(name, {}).get("lost", 0) for s in m.samples.tiers], float)
            columns[f"lost_{name}"] = mean_by_bin(sample_clock, lost, edges)
    return columns

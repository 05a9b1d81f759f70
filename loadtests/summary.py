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
generator keep up?) and the ``plan``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loadtests.monitor import Samples
from peakload.contract.summary import Generator, Kind, Overall, Summary
from peakload.contract.timeseries import Timeseries
from peakload.core.clock import format_clock
from peakload.core.plan import Plan
from peakload.measure import reduce
from peakload.measure.observations import Population, Requests, TierCounters, Timebase

SATURATION_CPU_PCT = 90.0  # Locust warns above this; the generator then limits the rate
RATE_SHORTFALL = 0.05  # achieved more than 5 % under intended: the generator fell behind
_COUNTERS = ("completions", "busy_seconds", "wait_seconds", "refusals", "queue")
COUNT_NOISE_SD = 3.0  # ... beyond 3 standard deviations of a Poisson count of the window's requests


@dataclass
class Measurement:
    """Everything one load test recorded, before it is reduced."""

    plan: Plan
    records: dict[str, np.ndarray]  # end (wall epoch), response, transaction, outcome, status
    shape: dict[str, np.ndarray]  # wall, elapsed, target, users (virtual)
    samples: Samples
    cpu_warning: bool  # Locust logged "CPU usage above 90%"

    @property
    def origin(self) -> float:
        """The wall epoch at which the shape's clock started."""
        return float(self.shape["wall"][0] - self.shape["elapsed"][0])

    @property
    def timebase(self) -> Timebase:
        """The plan's compressed clock, started when the shape started."""
        return Timebase(self.plan.compress, self.plan.run_start_s, self.origin)

    def clock(self, wall: np.ndarray) -> np.ndarray:
        return self.timebase.clock(wall)

    def wall(self, clock: float) -> float:
        return self.timebase.wall(clock)

    def observations(self) -> reduce.Observations:
        """The run as the reducer's observations."""
        plan = self.plan
        return reduce.Observations(
            requests=Requests(
                names=[t.name for t in plan.scenario.transactions],
                transaction=self.records["transaction"],
                end=self.clock(self.records["end"]),
                response=self.records["response"],
                outcome=self.records["outcome"],
            ),
            population=Population(
                time=self.clock(self.shape["wall"]),
                value=self.shape["users"] / plan.user_scale,
                target=self.shape["target"] / plan.user_scale,
                virtual=self.shape["users"],
            ),
            tiers=tier_counters(self.samples),
            span=(plan.run_start_s, plan.clock_at(plan.wall_duration_s)),
            timebase=self.timebase,
        )


def tier_counters(samples: Samples) -> dict[str, TierCounters]:
    """Each tier the server reported, as counters over the monitor's samples (none
    without admin access to the server)."""
    if not samples.wall or not samples.tiers[-1]:
        return {}
    wall = np.asarray(samples.wall)
    tiers = {}
    for name, last in samples.tiers[-1].items():
        columns = {
            key: np.array([s.get(name, {}).get(key, np.nan) for s in samples.tiers], dtype=float)
            for key in _COUNTERS
        }
        tiers[name] = TierCounters(servers=last["servers"], wall=wall, **columns)
    return tiers


def window_latencies(m: Measurement) -> np.ndarray:
    """Every attempt's response time in the measured window, for statistical comparison."""
    return m.observations().requests.latencies_in(m.plan.measure_window_s)


def summarize(m: Measurement) -> Summary:
    """The measured window's summary (not yet judged, not yet reconciled)."""
    plan = m.plan
    w0, w1 = plan.measure_window_s
    w1 = min(w1, plan.clock_at(plan.wall_duration_s))  # a --duration cut
    summary = reduce.summarize(Kind.LOADTEST, plan.scenario.name, m.observations(), (w0, w1))
    assert summary.overall is not None
    summary.generator = _generator(m, summary.overall, m.wall(w0), m.wall(w1))
    summary.plan = {
        "compress": plan.compress,
        "user_scale": plan.user_scale,
        "workers": plan.workers,
        "run": [format_clock(plan.run_start_s), format_clock(plan.run_end_s)],
        "wall_duration_s": plan.wall_duration_s,
        "seed": plan.run_seed,
    }
    return summary


def _generator(m: Measurement, overall: Overall, wall0: float, wall1: float) -> Generator:
    """Honest measurement: how hard the generator worked, and whether it kept up."""
    plan = m.plan
    times = np.asarray(m.samples.wall)
    inside = (times >= wall0) & (times <= wall1)
    cpu = np.asarray(m.samples.generator_cpu)[inside]
    single = np.asarray(m.samples.generator_max_process_cpu)[inside]
    server = np.asarray(m.samples.server_cpu)[inside]
    workload = plan.scenario.workload
    if workload.kind == "closed":
        think = (workload.think_time.mean if workload.think_time else 0.0) * plan.user_scale
        mean_response = overall.mean_s if np.isfinite(overall.mean_s) else 0.0
        # Steps only: the pool signed in before the clock (no sign-in in a window).
        intended = overall.mean_concurrency * plan.user_scale / (think + mean_response)
    else:
        lo, hi = plan.measure_window_s
        intended = plan.scenario.workload.profile.integral(lo, hi) / (hi - lo) * plan.user_scale
    achieved = overall.throughput_rps
    reasons = []
    if m.cpu_warning:
        reasons.append("Locust warned that its CPU was above 90 %")
    if len(single) and single.max() >= SATURATION_CPU_PCT:
        reasons.append(f"a generator process reached {single.max():.0f} % of its core")
    # A short window's count is noisy (400 requests: 5 % is one standard deviation).
    expected = intended * (wall1 - wall0)
    noise = COUNT_NOISE_SD * np.sqrt(expected) / (wall1 - wall0) if expected > 0 else 0.0
    if intended > 0 and achieved < intended * (1 - RATE_SHORTFALL) - noise:
        reasons.append(
            f"achieved {achieved:.1f} req/s, {1 - achieved / intended:.1%} under the "
            f"intended {intended:.1f} req/s"
        )
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
    )


def timeseries(m: Measurement) -> Timeseries:
    """One row per scenario-clock minute of the run, the simulation's columns."""
    return reduce.timeseries(m.observations())

"""A load test's summary and per-minute series, in the same contract as a simulation.

Times are put on the scenario clock (wall seconds x compression from the
shape's start), so a measured 10:00 is the simulated 10:00. Rates stay per
wall second: with think times unchanged, a wall second of a compressed run
carries the request rate of the real moment it stands for. Concurrency is
reported in scenario users (virtual users / user scale); ``virtual_users``
keeps the real count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from loadtests.monitor import Samples
from loadtests.pool_size import pool_size
from peakload.core.clock import format_clock
from peakload.core.plan import Plan
from peakload.measure import schedule
from peakload.measure.stats import (
    max_by_bin,
    mean_by_bin,
    minute_edges,
    request_series,
    request_summary,
)

SATURATION_CPU_PCT = 90.0  # Locust warns above this; the generator then limits the rate
RATE_SHORTFALL = 0.05  # achieved more than 5 % under intended: the generator fell behind


@dataclass
class Measurement:
    plan: Plan
    records: dict[str, np.ndarray]  # end (wall epoch), response, transaction, outcome, status
    shape: dict[str, np.ndarray]  # wall, elapsed, target, users (virtual)
    samples: Samples
    cpu_warning: bool  # Locust logged "CPU usage above 90%"
    arrivals: dict[str, np.ndarray] | None = None  # an open workload's arrival logs, merged

    @property
    def origin(self) -> float:
        """The wall epoch at which the shape's clock started."""
        return float(self.shape["wall"][0] - self.shape["elapsed"][0])

    def clock(self, wall: np.ndarray) -> np.ndarray:
        return self.plan.run_start_s + (np.asarray(wall) - self.origin) * self.plan.compress

    def wall(self, clock: float) -> float:
        return self.origin + (clock - self.plan.run_start_s) / self.plan.compress


def window_latencies(m: Measurement) -> np.ndarray:
    """Every attempt's response time in the measured window, for statistical comparison."""
    lo, hi = m.plan.measure_window_s
    end = m.clock(m.records["end"])
    response = schedule.judged_response(m.records, _basis(m))
    return response[(end >= lo) & (end < hi)].astype(np.float32)


def _basis(m: Measurement) -> schedule.LatencyBasis:
    return schedule.basis(m.plan.scenario.workload.kind == "open")


def summarize(m: Measurement) -> dict[str, Any]:
    plan, scenario = m.plan, m.plan.scenario
    names = [t.name for t in scenario.transactions]
    w0, w1 = m.plan.measure_window_s
    w1 = min(w1, plan.clock_at(plan.wall_duration_s))  # a --duration cut
    wall_length = (w1 - w0) / plan.compress
    end_clock = m.clock(m.records["end"])
    overall, transactions = request_summary(
        end_clock,
        schedule.judged_response(m.records, _basis(m)),
        m.records["outcome"],
        m.records["transaction"],
        names,
        (w0, w1),
        length_s=wall_length,
    )
    shape_clock = m.clock(m.shape["wall"])
    in_window = (shape_clock >= w0) & (shape_clock < w1)
    users = m.shape["users"][in_window] / plan.user_scale
    if len(users):
        peak_index = int(np.argmax(users))
        overall |= {
            "peak_concurrency": float(users[peak_index]),
            "peak_time": format_clock(float(shape_clock[in_window][peak_index])),
            "mean_concurrency": float(users.mean()),
            "virtual_users_peak": float(m.shape["users"][in_window].max()),
        }
    else:
        overall |= {
            "peak_concurrency": 0.0,
            "peak_time": format_clock(w0),
            "mean_concurrency": 0.0,
            "virtual_users_peak": 0.0,
        }
    arrivals = _arrivals(m, (w0, w1), wall_length)
    return {
        "kind": "loadtest",
        "scenario": scenario.name,
        "window": [format_clock(w0), format_clock(w1)],
        "window_s": [w0, w1],
        "overall": overall,
        "latency": schedule.latency_section(
            m.records, (end_clock >= w0) & (end_clock < w1), _basis(m)
        ),
        **({"arrivals": arrivals} if arrivals else {}),
        "transactions": transactions,
        "tiers": _tiers(m, m.wall(w0), m.wall(w1)),
        "generator": _generator(m, overall, m.wall(w0), m.wall(w1), arrivals),
        "plan": {
            "compress": plan.compress,
            "user_scale": plan.user_scale,
            "workers": plan.workers,
            "run": [format_clock(plan.run_start_s), format_clock(plan.run_end_s)],
            "wall_duration_s": plan.wall_duration_s,
            "seed": plan.run_seed,
        },
    }


def _arrivals(m: Measurement, window: tuple[float, float], wall_length: float) -> dict | None:
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


def _tier_at(m: Measurement, wall: float) -> tuple[float, dict]:
    """The server's tier counters at the sample nearest to ``wall``."""
    times = np.asarray(m.samples.wall)
    index = int(np.clip(np.searchsorted(times, wall), 0, len(times) - 1))
    return float(times[index]), m.samples.tiers[index]


def _tiers(m: Measurement, wall0: float, wall1: float) -> dict[str, dict]:
    if not m.samples.wall or not m.samples.tiers[-1]:
        return {}
    t0, first = _tier_at(m, wall0)
    t1, last = _tier_at(m, wall1)
    span = max(t1 - t0, 1e-9)
    times = np.asarray(m.samples.wall)
    inside = (times >= t0) & (times <= t1)
    tiers = {}
    for name, end in last.items():
        start = first.get(name, {k: 0 for k in end})
        done = end["completions"] - start["completions"]
        busy = end["busy_seconds"] - start["busy_seconds"]
        waited = end["wait_seconds"] - start["wait_seconds"]
        queues = [
            s[name]["queue"]
            for s, keep in zip(m.samples.tiers, inside, strict=True)
            if keep and name in s
        ]
        refusals = end["refusals"] - start["refusals"]
        tiers[name] = {
            "servers": end["servers"],
            "utilization": busy / (end["servers"] * span),
            "throughput_rps": done / span,
            "mean_wait_s": waited / done if done else 0.0,
            "mean_response_s": (waited + busy) / done if done else 0.0,
            "max_queue": max(queues, default=0),
            "refusals": refusals,
            "refused_fraction": refusals / (refusals + done) if refusals + done else 0.0,
        }
    return tiers


def _generator(
    m: Measurement, overall: dict, wall0: float, wall1: float, arrivals: dict | None = None
) -> dict[str, Any]:
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
        mean_response = overall["mean_s"] if np.isfinite(overall["mean_s"]) else 0.0
        steps = overall["mean_concurrency"] * plan.user_scale / (think + mean_response)
        # Each user the shape starts signs in once: K x F times the real day's rate.
        shape_wall = np.asarray(m.shape["wall"])
        ramp = (shape_wall >= wall0) & (shape_wall <= wall1)
        starts = np.clip(np.diff(m.shape["target"][ramp]), 0, None).sum()
        sign_ins = starts / max(wall1 - wall0, 1e-9) if plan.scenario.login else 0.0
        intended = steps + sign_ins
    else:
        lo, hi = plan.measure_window_s
        intended = plan.scenario.workload.profile.integral(lo, hi) / (hi - lo) * plan.user_scale
    achieved = overall["throughput_rps"]
    reasons = []
    if m.cpu_warning:
        reasons.append("Locust warned that its CPU was above 90 %")
    if len(single) and single.max() >= SATURATION_CPU_PCT:
        reasons.append(f"a generator process reached {single.max():.0f} % of its core")
    if intended > 0 and achieved < intended * (1 - RATE_SHORTFALL):
        reasons.append(
            f"achieved {achieved:.1f} req/s, {1 - achieved / intended:.1%} under the "
            f"intended {intended:.1f} req/s"
        )
    if arrivals is not None:  # open: judged on the schedule and CPU, never on responses
        peak_cpu = float(single.max()) if len(single) else 0.0
        reasons = schedule.open_saturation(arrivals, peak_cpu, m.cpu_warning)
    return {
        "processes": 1 + (plan.workers if plan.workers > 1 else 0),
        "cpu_mean_pct": float(cpu.mean()) if len(cpu) else 0.0,
        "cpu_max_pct": float(cpu.max()) if len(cpu) else 0.0,
        "max_process_cpu_pct": float(single.max()) if len(single) else 0.0,
        "server_cpu_mean_pct": float(server.mean()) if len(server) else 0.0,
        "intended_rps": intended,
        "achieved_rps": achieved,
        "achieved_vs_intended": achieved / intended if intended else 1.0,
        "saturated": bool(reasons),
        "reasons": reasons,
        **({"dropped_starts": arrivals["dropped"]} if arrivals is not None else {}),
    }


def timeseries(m: Measurement) -> dict[str, np.ndarray]:
    """One row per scenario-clock minute of the run, the simulation's columns."""
    plan = m.plan
    edges = minute_edges(plan.run_start_s, plan.clock_at(plan.wall_duration_s))
    wall_widths = np.diff(edges) / plan.compress
    shape_clock = m.clock(m.shape["wall"])
    columns: dict[str, np.ndarray] = {"time_s": edges[:-1]}
    columns["target_concurrency"] = mean_by_bin(
        shape_clock, m.shape["target"] / plan.user_scale, edges
    )
    columns["concurrency"] = mean_by_bin(shape_clock, m.shape["users"] / plan.user_scale, edges)
    columns |= request_series(
        m.clock(m.records["end"]),
        schedule.judged_response(m.records, _basis(m)),
        m.records["outcome"],
        edges,
        wall_widths,
    )
    if m.arrivals is not None:
        columns |= schedule.arrival_series(
            m.arrivals,
            m.clock(m.arrivals["scheduled"]),
            m.clock(m.arrivals["sample_wall"]),
            edges,
            wall_widths,
        )
    if m.samples.wall and m.samples.tiers[-1]:
        sample_clock = m.clock(np.asarray(m.samples.wall))
        for name in m.samples.tiers[-1]:
            busy = np.array([s.get(name, {}).get("busy_seconds", np.nan) for s in m.samples.tiers])
            servers = m.samples.tiers[-1][name]["servers"]
            at_edges = np.interp(edges, sample_clock, busy)
            columns[f"util_{name}"] = np.diff(at_edges) / (servers * wall_widths)
            queue = np.array([s.get(name, {}).get("queue", np.nan) for s in m.samples.tiers])
            columns[f"queue_{name}"] = max_by_bin(sample_clock, queue, edges)
    return columns

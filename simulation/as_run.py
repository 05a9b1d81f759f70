"""Predict a load test as run: replications of :class:`~simulation.plan_model.PlanModel`,
summarised the way the load test's own summary is.

The model runs on wall time; the summary is keyed on the scenario clock, as
``loadtests/summary.py`` keys a measurement: the window is the plan's
(cut by ``--duration`` like the load test's), rates are per wall second,
times in seconds, concurrency in scenario users (virtual users / user scale,
``virtual_users_peak`` keeps the real count), and the per-minute series has
one row per scenario-clock minute of the run. So ``peakload compare SIM LOAD``
compares like with like, figure by figure.
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Any

import numpy as np

from peakload.core.clock import format_clock
from peakload.core.plan import Plan
from peakload.measure.judge import evaluate
from peakload.measure.stats import mean_by_bin, minute_edges, request_series
from simulation.plan_model import PlanModel
from simulation.records import RunRecords
from simulation.replications import combine, combine_series
from simulation.runner import Replication, SimulationResult, replication_seeds
from simulation.statistics import cumulative_busy, window_summary

Progress = Callable[[float], None]


def measured_window(plan: Plan) -> tuple[float, float]:
    """The plan's window on the scenario clock, cut where the run stops (``--duration``)."""
    w0, w1 = plan.measure_window_s
    return w0, min(w1, plan.clock_at(plan.wall_duration_s))


def run_plan_replication(
    plan: Plan, seed: np.random.SeedSequence, progress: Progress | None = None
) -> Replication:
    """One seeded replication of the plan: its summary, series and window latencies."""
    started = time.perf_counter()
    model = PlanModel(plan, seed, progress=progress)
    model.run()
    records = RunRecords.of(model)
    origin = model.origin_s
    w0, w1 = measured_window(plan)
    env_window = (origin + plan.wall_at(w0), origin + plan.wall_at(w1))
    closed = plan.scenario.workload.kind == "closed"
    summary = window_summary(records, env_window, closed=closed)
    _population(summary["overall"], records, env_window, plan, origin, closed)
    summary["window_s"] = [w0, w1]
    summary["simulated_requests"] = len(records.start)
    summary["wall_s"] = time.perf_counter() - started
    in_window = (records.end >= env_window[0]) & (records.end < env_window[1])
    latencies = records.response[in_window].astype(np.float32)
    return summary, plan_timeseries(records, plan, origin), latencies


def _population(
    overall: dict[str, Any],
    records: RunRecords,
    env_window: tuple[float, float],
    plan: Plan,
    origin: float,
    closed: bool,
) -> None:
    """Concurrency in scenario users and the peak's time on the scenario clock."""
    inside = (records.sample_time >= env_window[0]) & (records.sample_time < env_window[1])
    if not closed:  # requests in the system: only the peak's clock needs mapping
        in_system = np.sum([t.in_tier for t in records.tiers.values()], axis=0)[inside]
        if len(in_system):
            at = float(records.sample_time[inside][int(np.argmax(in_system))])
            overall["peak_time"] = format_clock(plan.clock_at(at - origin))
        return
    virtual = records.concurrency[inside]
    if not len(virtual):
        return
    peak = int(np.argmax(virtual))
    peak_clock = plan.clock_at(float(records.sample_time[inside][peak]) - origin)
    overall |= {
        "peak_concurrency": float(virtual[peak]) / plan.user_scale,
        "peak_time": format_clock(peak_clock),
        "mean_concurrency": float(virtual.mean()) / plan.user_scale,
        "virtual_users_peak": float(virtual.max()),
    }


def plan_timeseries(records: RunRecords, plan: Plan, origin: float) -> dict[str, np.ndarray]:
    """One row per scenario-clock minute of the run, the load test's columns."""
    edges = minute_edges(plan.run_start_s, plan.clock_at(plan.wall_duration_s))
    env_edges = origin + (edges - plan.run_start_s) / plan.compress
    wall_widths = np.diff(env_edges)
    scale = plan.user_scale
    columns: dict[str, np.ndarray] = {"time_s": edges[:-1]}
    columns["target_concurrency"] = (
        mean_by_bin(records.sample_time, records.target, env_edges) / scale
    )
    columns["concurrency"] = (
        mean_by_bin(records.sample_time, records.concurrency, env_edges) / scale
    )
    columns |= request_series(
        records.end, records.response, records.outcome, env_edges, wall_widths
    )
    first = (env_edges[:-1] // 60).astype(int)
    last = (env_edges[1:] // 60).astype(int)
    for name, tier in records.tiers.items():
        starts = tier.service_starts
        busy = cumulative_busy(starts, starts + tier.services, env_edges)
        columns[f"util_{name}"] = np.diff(busy) / (tier.servers * wall_widths)
        # The longest queue of the wall minute(s) each row overlaps (a row is 60/K wall s).
        by_minute = tier.max_queue_by_minute
        columns[f"queue_{name}"] = np.array(
            [by_minute[a : b + 1].max(initial=0) for a, b in zip(first, last, strict=True)],
            dtype=float,
        )
    return columns


def _job(args: tuple) -> Replication:
    plan, seed, channel, index = args

    def report(done: float) -> None:
        channel.put((index, done))

    return run_plan_replication(plan, seed, report)


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
    seed = plan.run_seed if seed is None else seed
    seeds = replication_seeds(seed, replications)
    jobs = min(jobs or os.cpu_count() or 1, replications)
    started = time.perf_counter()
    span = plan.setup_s + plan.wall_duration_s
    if jobs <= 1:
        results = []
        for i, s in enumerate(seeds):

            def report(done: float, base: float = i * span) -> None:
                if progress is not None:
                    progress(base + done)

            results.append(run_plan_replication(plan, s, report))
    else:
        results = _run_parallel(plan, seeds, jobs, progress)
    per_replication = [r[0] for r in results]
    combined = combine(per_replication)
    w0, w1 = combined["window_s"]
    summary = {
        "kind": "simulation",
        "scenario": plan.scenario.name,
        "window": [format_clock(w0), format_clock(w1)],
        **combined,
        "plan": plan_document(plan),
        "seed": seed,
        "replications": replications,
        "wall_s": time.perf_counter() - started,
    }
    summary["slo"] = evaluate(plan.scenario.slo, summary)
    return SimulationResult(
        summary,
        combine_series([r[1] for r in results]),
        per_replication,
        np.concatenate([r[2] for r in results]),
    )


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as a summary records it (the load test's ``plan`` keys, and the setup)."""
    return {
        "compress": plan.compress,
        "user_scale": plan.user_scale,
        "run": [format_clock(plan.run_start_s), format_clock(plan.run_end_s)],
        "wall_duration_s": plan.wall_duration_s,
        "pool_users": plan.pool_users,
        "sign_in_rate": plan.sign_in_rate,
        "setup_s": plan.setup_s,
        "seed": plan.run_seed,
    }


def plan_seconds(plan: Plan, replications: int) -> float:
    """The progress total of :func:`simulate_plan`."""
    return (plan.setup_s + plan.wall_duration_s) * replications


def _run_parallel(
    plan: Plan, seeds: list[np.random.SeedSequence], jobs: int, progress: Progress | None
) -> list[Replication]:
    context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
    with context.Manager() as manager, ProcessPoolExecutor(jobs, mp_context=context) as pool:
        channel = manager.Queue()
        futures = [pool.submit(_job, (plan, s, channel, i)) for i, s in enumerate(seeds)]
        done = [0.0] * len(seeds)
        while not all(f.done() for f in futures):
            try:
                index, value = channel.get(timeout=0.2)
                done[index] = value
            except queue.Empty:
                pass
            if progress is not None:
                progress(sum(done))
        return [f.result() for f in futures]

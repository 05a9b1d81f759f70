"""Run a scenario: replications (in parallel processes), statistics, cross-check, SLO.

Each replication's records go through the one reducer
(:mod:`peakload.measure.reduce`) into a contract :class:`Summary`; N of them
are combined into means with ``_ci95`` half-widths
(:mod:`simulation.replications`) and judged by the one SLO judge.
``simulate()`` returns the summary and the per-minute series; writing them
to disk, plotting and printing belong to the app layer.
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_all_start_methods, get_context
from typing import Any, NamedTuple

import numpy as np

from peakload.contract.summary import RunKind, Summary
from peakload.contract.timeseries import Timeseries
from peakload.core.runtime import collected_on_leaving
from peakload.core.scenario import Failure, Scenario, Slo
from peakload.measure.judge import judge
from peakload.measure.reduce import summarize, timeseries
from peakload.measure.window_sketches import WindowSketches
from simulation.crosscheck import crosscheck
from simulation.drills import drill_summary, lost_series
from simulation.model import Model
from simulation.records import RunRecords
from simulation.replications import combine, combine_series
from simulation.statistics import detect_warmup

Progress = Callable[[float], None]  # simulated seconds completed, over all replications


class Replication(NamedTuple):
    """One replication's window summary, per-minute series, window latencies (a
    uniform sample of at most 200,000) and window sketches."""

    summary: Summary
    series: Timeseries
    latencies: np.ndarray
    sketches: WindowSketches


@dataclass
class SimulationResult:
    """A judged simulation: the combined summary, the per-minute series, each
    replication's own summary, the window's response times (all replications;
    each replication keeps a uniform sample of at most 200,000), for ``compare``'s
    Mann-Whitney test, and the window's sketches pooled over the replications
    (their quantiles are those of every simulated request in the window:
    :mod:`peakload.measure.window_sketches`)."""

    summary: Summary
    timeseries: Timeseries
    replications: list[Summary]
    latencies: np.ndarray
    sketches: WindowSketches | None = None


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent seeds for ``replications`` runs, the same for the same ``seed``."""
    return np.random.SeedSequence(seed).spawn(replications)


@collected_on_leaving()
def run_replication(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    window: tuple[float, float] | None = None,
    progress: Progress | None = None,
    tick_s: float = 1.0,
    failures: tuple[Failure, ...] = (),
    series: bool = True,
    in_state: bool = False,
) -> Replication:
    """One seeded run: its window summary (with analytic cross-check) and its series.

    ``in_state``: a closed population starts at work at ``scenario.start`` (see
    :class:`simulation.clients.Population`), for a run cut short before its window."""
    started = time.perf_counter()
    window = window or scenario.window_s
    steady = window is None and scenario.workload.profile.is_constant()
    if window is None and not steady:
        window = (scenario.start_s, scenario.end_s)
    model = Model(
        scenario,
        seed,
        tick_s=tick_s,
        progress=_relative(progress, scenario.start_s),
        failures=failures,
        in_state=in_state,
        window=window,
    )
    model.run()
    records = RunRecords.of(model)
    warmup = None
    if window is None:
        warmup = detect_warmup(records)
        window = (warmup.truncated_at, scenario.end_s)
    observations = records.observations()
    summary = summarize(RunKind.SIMULATION, scenario.name, observations, window)
    summary.analytic = crosscheck(scenario, summary)
    summary.warmup = warmup.section() if warmup else None
    summary.simulated_requests = records.attempts
    summary.wall_s = time.perf_counter() - started
    drills = (*scenario.failures, *failures)
    summary.drills = drill_summary(records.tiers, drills, window)
    latencies = observations.requests.latencies_in(window)  # a sample when many
    columns = {}
    if series:
        columns = timeseries(observations)
        edges = np.append(columns["time_s"], scenario.end_s)
        columns |= lost_series(scenario, drills, edges)
    return Replication(summary, columns, latencies, records.requests.window_sketches(window))


def _relative(progress: Progress | None, origin: float) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda now: progress(now - origin)


OneReplication = Callable[..., Replication]
"""``run(seed=..., progress=...)``: one seeded replication. A module-level function with
its other arguments bound by :func:`functools.partial`, so that it pickles to a worker."""


def _replication_job(args: tuple[OneReplication, np.random.SeedSequence, Any, int]) -> Replication:
    run, seed, channel, index = args

    def report(done: float) -> None:
        channel.put((index, done))

    return run(seed=seed, progress=report)


def replicate(
    run: OneReplication,
    seed: int,
    replications: int,
    slo: Slo,
    span_s: float,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """The one replication loop: ``replications`` seeded runs of ``run``, in this process
    or in ``jobs`` processes, combined into means with ``_ci95`` half-widths and judged
    against ``slo``. ``progress`` gets the seconds done summed over replications, each
    replication counting ``span_s``."""
    seeds = replication_seeds(seed, replications)
    jobs = min(jobs or os.cpu_count() or 1, replications)
    started = time.perf_counter()
    if jobs <= 1:
        results = []
        for i, s in enumerate(seeds):

            def report(done: float, base: float = i * span_s) -> None:
                if progress is not None:
                    progress(base + done)

            results.append(run(seed=s, progress=report))
    else:
        arguments = [(run, s) for s in seeds]
        results = run_in_processes(_replication_job, arguments, jobs, progress)
    per_replication = [r.summary for r in results]
    summary = combine(per_replication)
    summary.seed = seed
    summary.replications = replications
    summary.wall_s = time.perf_counter() - started
    summary.slo = judge(slo, summary)
    return SimulationResult(
        summary,
        combine_series([r.series for r in results]),
        per_replication,
        np.concatenate([r.latencies for r in results]),
        WindowSketches.pooled(r.sketches for r in results),
    )


def simulate(
    scenario: Scenario,
    replications: int = 1,
    seed: int | None = None,
    jobs: int | None = None,
    window: tuple[float, float] | None = None,
    progress: Progress | None = None,
    tick_s: float = 1.0,
) -> SimulationResult:
    """Run ``replications`` independent seeded replications and summarise them."""
    run = partial(run_replication, scenario, window=window, tick_s=tick_s)
    return replicate(
        run,
        scenario.scenario.seed if seed is None else seed,
        replications,
        scenario.slo,
        scenario.end_s - scenario.start_s,
        jobs,
        progress,
    )


def run_in_processes(
    job: Callable[[tuple], Replication],
    arguments: list[tuple],
    jobs: int,
    progress: Progress | None,
) -> list[Replication]:
    """``job(args + (channel, i))`` for each ``args`` in ``arguments``, in ``jobs``
    processes; each job reports ``(i, done)`` on ``channel`` and ``progress`` gets
    the sum over jobs. Results come back in the order of ``arguments``."""
    # fork: workers start in milliseconds and need no importable __main__ (a script,
    # a notebook, a test); they run only the simulation, never the parent's threads.
    context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
    with context.Manager() as manager, ProcessPoolExecutor(jobs, mp_context=context) as pool:
        channel = manager.Queue()
        futures = [pool.submit(job, (*args, channel, i)) for i, args in enumerate(arguments)]
        done = [0.0] * len(arguments)
        while not all(f.done() for f in futures):
            try:
                index, value = channel.get(timeout=0.2)
                done[index] = value
            except queue.Empty:
                pass
            if progress is not None:
                progress(sum(done))
        return [f.result() for f in futures]

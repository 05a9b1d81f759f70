"""What a hundred times the population costs per request, and how much of it is the event list.

``benchmarks/scale.py`` runs the April day at 1x and 100x population (tiers
scaled alike) and finds the 100x day 133 to 148 times dearer in CPU, not 100.
This script asks how much of that growth any simulator built on SimPy pays,
whatever it does with its users, by measuring at the April peak (09:35, the
population placed in state, one core):

1. **The event list.** The requests in service are pending SimPy events, and a
   hundred times the servers hold a hundred times as many: SimPy's heap, about
   40 entries at the 1x peak, holds about 1,100 at 100x, and every event of the
   run pays a pop and a push five levels deeper, on entries no longer all in the
   processor's nearest cache. The script measures both sizes in peakload's own
   model (a probe every 13.7 ms), the events scheduled per attempt (SimPy's own
   event counter), then times SimPy's core alone, a ``Timeout`` whose callback
   schedules the next, with each size pending, alternating. The difference per
   event times the events per attempt is the least an attempt's cost grows by,
   over what it costs at 1x: the event list's *floor*.
2. **peakload at the peak**: the marginal CPU per attempt of the in-state peak
   (the CPU of a long stretch less a short one, over the attempts between),
   each in a fresh child process, alternating, four ways: at 1x; with the
   factor's users alone (thinking the factor times as long, so the servers and
   the requests stay as at 1x); with the factor's event list alone (1x, with as
   many events more waiting in SimPy's heap all along as the factor adds, due
   long after the run ends); and at the factor.
3. With ``--plain``, **the textbook SimPy model** of the same closed population
   (a generator process per user thinking 280 s, a ``simpy.Resource`` per tier,
   ``timeout`` for each service), marginal CPU per request at 1x and the
   factor. Its heap holds every thinking user, so its cost grows the most: at
   100x it takes about three minutes.

The issue's target, at most 110 times the 1x day's CPU at 100x, leaves each
attempt 10 % more than at 1x. If the event list's floor alone is near that,
the target needs a simulator whose event list does not grow with the servers
(not SimPy's heap), not a leaner user.

With ``--profile``, instead: cProfile's own time per attempt of each function
at 1x and at the factor (long stretch less short, as in 2.), the fifteen that
grew most.

Usage: python -m benchmarks.event_list_growth [--factor 100] [--rounds 5] [--plain] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import simpy
from simpy import Environment
from simpy.events import Timeout

from benchmarks.scale import APRIL, in_fresh_process, scaled
from peakload.core.clock import format_clock
from peakload.core.runtime import without_collections
from peakload.core.scenario_file import load_scenario
from peakload.core.workload import ClosedWorkload
from simulation.model import Model
from simulation.records import RunRecords
from simulation.runner import replication_seeds

PEAK = 9 * 60 + 35
"""The stretch starts at 09:35, in the April peak (minutes after midnight)."""

Measured = TypeVar("Measured")

PROBE_S = 0.0137
"""How often the heap's size is sampled (s of simulated time): no multiple of a tick."""


def peak_model(factor: int, minutes: float, servers: int | None = None) -> Model:
    """The April day at ``factor`` times the users, from 09:35 for ``minutes``, the
    population in state; its queue tiers at ``servers`` times their instances (by
    default ``factor``). With fewer servers than users the users think
    ``factor / servers`` times as long, so the requests, and each server's load,
    follow the servers: a population that grows alone."""
    servers = factor if servers is None else servers
    day = scaled(load_scenario(APRIL), servers)
    workload = day.workload
    if factor != servers and isinstance(workload, ClosedWorkload):
        think = workload.think_time
        assert think is not None, "April's users think"
        profile = [(clock, users * factor / servers) for clock, users in workload.concurrency]
        longer = think.model_validate(
            think.model_dump(by_alias=True) | {"mean": think.mean * factor / servers}
        )
        workload = workload.model_copy(update={"concurrency": profile, "think_time": longer})
        day = day.model_copy(update={"workload": workload})
    end = PEAK + minutes
    meta = day.scenario.model_copy(
        update={
            "start": format_clock(PEAK * 60),
            "end": format_clock(int(end) * 60),
            "window": None,
        }
    )
    scenario = day.model_copy(update={"scenario": meta})
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    return Model(scenario, seed, in_state=True, window=(scenario.start_s, scenario.end_s))


@dataclass(frozen=True)
class EventList:
    """SimPy's event list in a run: how many events wait in it, how many an attempt makes."""

    pending: float
    """Median events pending (the heap's length), sampled through the run after 30 s."""
    events_per_attempt: float
    """Events scheduled over the run per attempt sent (ticks and sweeps included)."""


def event_list(factor: int, minutes: float = 2.0) -> EventList:
    """Measure :class:`EventList` on ``minutes`` of the peak at ``factor``."""
    model = peak_model(factor, minutes)
    env = model.env
    sizes: list[int] = []
    first_event = next(env._eid)  # SimPy numbers every event it schedules

    def probe(_event: Timeout) -> None:
        sizes.append(len(env._queue))
        if env._now + PROBE_S < model.end_s:
            Timeout(env, PROBE_S).callbacks.append(probe)

    Timeout(env, 30.0).callbacks.append(probe)
    model.run()
    # ids first_event + 1 to the one before this last draw went to the run and the probes
    events = next(env._eid) - first_event - 1 - len(sizes)
    attempts = RunRecords.of(model).attempts
    return EventList(float(np.median(sizes)), events / max(attempts, 1))


def event_cost_ns(pending: int, events: int = 300_000, seed: int = 1) -> float:
    """CPU ns per event of SimPy's core with ``pending`` events always waiting.

    Each ``Timeout`` (exponential delay) fires a callback that schedules the
    next: the pop, the callbacks and the push the simulator pays per event,
    nothing else."""
    env = Environment()
    draws = iter(np.random.default_rng(seed).exponential(1.0, events + pending).tolist())
    left = events

    def fire(_event: Timeout) -> None:
        nonlocal left
        left -= 1
        Timeout(env, next(draws)).callbacks.append(fire)

    for _ in range(pending):
        Timeout(env, next(draws)).callbacks.append(fire)
    step = env.step
    with without_collections():  # as a simulated day runs
        started = time.process_time()
        while left > 0:
            step()
        spent = time.process_time() - started
    return 1e9 * spent / events


def peak_attempt_us(factor: int, servers: int | None = None, ballast: int = 0) -> float:
    """Marginal CPU µs per attempt at the peak (:func:`peak_model`'s arguments): the CPU
    of a long stretch less a short one's, over the attempts between.

    ``ballast``: that many events more wait in SimPy's heap all along, due long after
    the run ends, so they never fire: the run's own events then pay for a heap that
    deep, and for nothing else."""

    def cpu_s(model: Model) -> float:
        weigh_down(model.env, ballast)
        started = time.process_time()
        model.run()  # the collector off, as in every run (core/runtime.py)
        return time.process_time() - started

    (short, short_attempts), (long, long_attempts) = on_stretches(
        factor, stretch(factor if servers is None else servers), cpu_s, servers
    )
    return 1e6 * (long - short) / (long_attempts - short_attempts)


def on_stretches(
    factor: int,
    minutes: tuple[float, float],
    run: Callable[[Model], Measured],
    servers: int | None = None,
) -> list[tuple[Measured, int]]:
    """``run`` each of the two stretches' models (:func:`peak_model`), each with the
    attempts it made: what a long stretch measures less a short one's is the peak's
    own, the population's placement left out."""
    measured = []
    for length in minutes:
        model = peak_model(factor, length, servers)
        measured.append((run(model), RunRecords.of(model).attempts))
        del model
    return measured


NEVER_S = 1e9
"""A ballast event's delay (s): decades after any run ends."""


def weigh_down(env: Environment, events: int) -> None:
    """Put ``events`` more in SimPy's heap, due :data:`NEVER_S` from now: they never
    fire in a run, and every event the run pops or pushes goes through a heap that
    much deeper."""
    for _ in range(events):
        Timeout(env, NEVER_S)


def profile_per_attempt(
    factor: int, minutes: tuple[float, float] | None = None
) -> dict[str, tuple[float, float]]:
    """cProfile's own time (µs) and calls per attempt of each function at the peak at
    ``factor``: of the long stretch less the short one, as :func:`peak_attempt_us`, so
    placing the population in state is left out. The profiler's own cost per call
    inflates every figure alike. ``minutes``: the two stretches, by default
    :func:`stretch`'s."""

    def own_times(model: Model) -> dict[str, tuple[int, float]]:
        profile = cProfile.Profile()
        profile.enable()
        model.run()
        profile.disable()
        stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        return {
            f"{Path(file).name}:{line}:{name}": (calls, own)
            for (file, line, name), (_, calls, own, _, _) in stats.items()
        }

    (short, short_attempts), (long, long_attempts) = on_stretches(
        factor, minutes or stretch(factor), own_times
    )
    between = long_attempts - short_attempts
    return {
        name: (
            1e6 * (own - short.get(name, (0, 0.0))[1]) / between,
            (calls - short.get(name, (0, 0.0))[0]) / between,
        )
        for name, (calls, own) in long.items()
    }


def print_profile_growth(factor: int, lines: int = 15) -> None:
    """The functions whose own time per attempt grew most from 1x to ``factor``."""
    small, large = profile_per_attempt(1), profile_per_attempt(factor)
    grown = sorted(large, key=lambda n: small.get(n, (0.0, 0.0))[0] - large[n][0])
    totals = [sum(own for own, _ in each.values()) for each in (small, large)]
    print(
        f"cProfile, own µs per attempt, 1x -> {factor}x (all functions: {totals[0]:.2f} -> "
        f"{totals[1]:.2f}; the profiler inflates every call alike, and the machine's speed "
        "moves both):"
    )
    for name in grown[:lines]:
        (was, calls_was), (now, calls) = small.get(name, (0.0, 0.0)), large[name]
        print(
            f"  {was:6.3f} -> {now:6.3f} (+{now - was:5.3f})  calls {calls_was:.2f} -> "
            f"{calls:.2f}  {name}"
        )


THINK_S = 280.0
"""April's mean think time (s)."""

PLAIN_TIERS = ((64, 0.010), (12, 0.156), (4, 0.052))
"""The textbook model's tiers at 1x: servers and mean service (s), each visited by
every request, about April's peak utilizations (gateway 0.23, app 0.6, db 0.6)."""


def plain_request_us(factor: int, short: float, long: float, seed: int = 1) -> float:
    """Marginal CPU µs per request of the textbook SimPy closed population at ``factor``."""
    (short_cpu, short_served), (long_cpu, long_served) = (
        _plain_run(factor, horizon, seed) for horizon in (short, long)
    )
    return 1e6 * (long_cpu - short_cpu) / (long_served - short_served)


def _plain_run(factor: int, horizon: float, seed: int) -> tuple[float, int]:
    """CPU seconds and requests served of the textbook model run for ``horizon`` s."""
    rng = np.random.default_rng(seed)
    users = 13_000 * factor
    env = simpy.Environment()
    tiers = [(simpy.Resource(env, capacity=c * factor), mean) for c, mean in PLAIN_TIERS]
    expected = users * (1 + 1.2 * horizon / THINK_S) * (1 + len(tiers))
    draws = iter(rng.exponential(1.0, int(expected) + 1000).tolist())
    served = 0

    def user() -> Generator[simpy.Event, None, None]:
        nonlocal served
        yield env.timeout(next(draws) * THINK_S)  # exponential: in state already
        while True:
            for resource, mean in tiers:
                with resource.request() as request:
                    yield request
                    yield env.timeout(next(draws) * mean)
            served += 1
            yield env.timeout(next(draws) * THINK_S)

    for _ in range(users):
        env.process(user())
    with without_collections():  # as peakload's own runs
        started = time.process_time()
        env.run(until=horizon)
        spent = time.process_time() - started
    return spent, served


def child(kind: str, factor: int, servers: int | None = None, ballast: int = 0) -> float:
    """Run one measurement in a fresh process, so no run inherits another's heap."""
    args = ("--child", kind, "--factor", str(factor), "--servers", str(servers or factor))
    return float(in_fresh_process("benchmarks.event_list_growth", *args, "--ballast", str(ballast)))


def stretch(servers: int) -> tuple[float, float]:
    """The short and long stretches (minutes) with the tiers at ``servers`` times: about
    160,000 attempts between at 1x, a million or so above (the requests follow the
    servers)."""
    return (1.0, 60.0) if servers == 1 else (1.0, max(2.0, 1.0 + 300.0 / servers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of each timing")
    parser.add_argument("--plain", action="store_true", help="also the textbook SimPy model")
    parser.add_argument(
        "--profile", action="store_true", help="only cProfile's growth per function, 1x to factor"
    )
    parser.add_argument("--child", choices=("peakload", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--servers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--ballast", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "peakload":
        print(json.dumps(peak_attempt_us(args.factor, args.servers, args.ballast)))
        return
    if args.child == "plain":
        short, long = (60.0, 3600.0) if args.factor == 1 else (60.0, 240.0)
        print(json.dumps(plain_request_us(args.factor, short, long)))
        return
    factor = args.factor
    if args.profile:
        print_profile_growth(factor)
        return
    small, large = event_list(1), event_list(factor)
    print(
        f"April peak in state, 09:35: events pending {small.pending:.0f} at 1x, "
        f"{large.pending:.0f} at {factor}x; events per attempt {small.events_per_attempt:.2f} "
        f"and {large.events_per_attempt:.2f}"
    )
    costs: dict[int, list[float]] = {1: [], factor: []}
    for _ in range(args.rounds):
        costs[1].append(event_cost_ns(round(small.pending)))
        costs[factor].append(event_cost_ns(round(large.pending)))
    ns_small, ns_large = (statistics.median(costs[f]) for f in (1, factor))
    print(
        f"SimPy's core, CPU ns per event (median of {args.rounds}, alternating): "
        f"{ns_small:.0f} with {small.pending:.0f} pending, {ns_large:.0f} with "
        f"{large.pending:.0f} ({ns_large / ns_small:.2f}x)"
    )
    deeper = round(large.pending - small.pending)
    shapes = {
        "1x": (1, 1, 0),
        "users alone": (factor, 1, 0),
        "event list alone": (1, 1, deeper),
        f"{factor}x": (factor, factor, 0),
    }
    attempts: dict[str, list[float]] = {name: [] for name in shapes}
    for _ in range(args.rounds):
        for name, (users, servers, ballast) in shapes.items():
            attempts[name].append(child("peakload", users, servers, ballast))
    us = {name: statistics.median(runs) for name, runs in attempts.items()}
    at_factor = us[f"{factor}x"]
    print(
        f"peakload at the peak, CPU µs per attempt (median of {args.rounds}, child processes "
        f"alternating): {us['1x']:.2f} at 1x; {us['users alone']:.2f} with {factor} times "
        f"the users thinking {factor} times as long (the servers and the requests as at "
        f"1x); {us['event list alone']:.2f} at 1x with {deeper} events more waiting all "
        f"along, never due; {at_factor:.2f} at {factor}x ({at_factor / us['1x']:.2f}x; rounds "
        + ", ".join(
            f"{b / a:.2f}" for a, b in zip(attempts["1x"], attempts[f"{factor}x"], strict=True)
        )
        + ")"
    )
    floor = large.events_per_attempt * (ns_large - ns_small) / 1000
    grown = at_factor - us["1x"]
    by_users = us["users alone"] - us["1x"]
    by_heap = us["event list alone"] - us["1x"]
    print(
        f"of the {grown:.2f} µs an attempt grew: {by_users:.2f} came with the users alone, "
        f"{by_heap:.2f} with the event list's depth alone in peakload's run (SimPy's core "
        f"timed alone: {floor:.2f}), {grown - by_users - by_heap:.2f} with the rest of the "
        f"servers and their requests; the 110x target leaves {us['1x'] / 10:.2f} "
        "(10 % of an attempt at 1x)"
    )
    if args.plain:
        plain = {f: child("plain", f) for f in (1, factor)}
        print(
            f"textbook SimPy, CPU µs per request: {plain[1]:.1f} at 1x, {plain[factor]:.1f} "
            f"at {factor}x ({plain[factor] / plain[1]:.2f}x)"
        )


if __name__ == "__main__":
    main()

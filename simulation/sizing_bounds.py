"""Sizing arithmetic that needs no simulation: configurations, scaling, analytic bounds.

A sizing candidate is a :class:`Config`, instances and workers per tier. Before
any candidate is simulated, queueing arithmetic bounds the answer: at the
peak, a tier's offered load (requests/s x visits x mean service time, from the
flow mix) must stay under ``max_utilization`` of c = instances x workers, so
no fewer instances can pass (:func:`analytic_bounds`); the same arithmetic
says at what peak each tier would reach that limit (:func:`bottleneck_users`).
The rest of this module shapes the scenario a candidate runs: scaled for
growth, cut at the window's end, with the candidate's tiers applied.

Two kinds of tier size differently. A delay tier (an infinite server) is never
sized: it keeps its one nominal instance in every candidate and costs nothing
(:func:`sizable`, :func:`tier_cost`). A tier sharing cores grows by whole
instances, each with its ``workers`` and ``cores`` as the scenario states
them; its utilization is CPU over the cores
(:func:`utilization_per_instance`), and an instance serves at most
``min(workers, cores)`` requests' worth of demand a second per second
(:func:`serving_per_instance`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from peakload.core.clock import format_clock
from peakload.core.scenario import Scenario, Tier
from simulation.crosscheck import tier_demands


@dataclass(frozen=True)
class Config:
    """Instances and workers per tier, in the scenario's tier order."""

    instances: tuple[int, ...]
    workers: tuple[int, ...]

    def with_instances(self, k: int, delta: int) -> Config:
        changed = list(self.instances)
        changed[k] += delta
        return Config(tuple(changed), self.workers)

    def with_workers(self, k: int, delta: int) -> Config:
        changed = list(self.workers)
        changed[k] += delta
        return Config(self.instances, tuple(changed))


def sizable(tier: Tier) -> bool:
    """False for a delay tier: it has no instances to size."""
    return not tier.is_delay


def tier_cost(tier: Tier, instances: int | None = None) -> float:
    """What ``instances`` (default: the tier's own) of ``tier`` cost; a delay costs nothing."""
    if tier.is_delay:
        return 0.0
    return (tier.instances if instances is None else instances) * tier.cost


def utilization_per_instance(tier: Tier, workers: int) -> int:
    """What one instance's utilization is measured against: its cores when it shares
    them (CPU busy, as the operating system reports it), else its ``workers``."""
    return tier.cores if tier.cores is not None else workers


def serving_per_instance(tier: Tier, workers: int) -> int:
    """Requests one instance serves at full speed at once: ``min(workers, cores)``
    when it shares cores, else ``workers``."""
    return workers if tier.cores is None else min(workers, tier.cores)


def apply(scenario: Scenario, config: Config) -> Scenario:
    """The scenario with ``config``'s instances and workers on its tiers (a delay
    tier as it is: it has neither)."""
    tiers = [
        t if t.is_delay else t.model_copy(update={"instances": n, "workers": w})
        for t, n, w in zip(scenario.tiers, config.instances, config.workers, strict=True)
    ]
    return scenario.with_tiers(tiers)


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with its concurrency (or rate) profile multiplied by ``factor``."""
    if factor == 1.0:
        return scenario
    workload = scenario.workload
    points = workload.concurrency if workload.kind == "closed" else workload.rate
    key = "concurrency" if workload.kind == "closed" else "rate"
    new = workload.model_copy(update={key: [(c, v * factor) for c, v in points]})
    return scenario.model_copy(update={"workload": new})


def judged_window(scenario: Scenario) -> tuple[float, float]:
    """The window the verdict is taken over: the scenario's, else the whole run."""
    return scenario.window_s or (scenario.start_s, scenario.end_s)


def truncated(scenario: Scenario) -> Scenario:
    """The run cut at the window's end: nothing after it changes the verdict."""
    end = judged_window(scenario)[1]
    info = scenario.scenario.model_copy(update={"end": format_clock(end, with_seconds=True)})
    return scenario.model_copy(update={"scenario": info})


WARMUP_THINKS = 2.0
"""A cut-short day's warm-up, in mean think times (at least :data:`MIN_WARMUP_S`)."""
MIN_WARMUP_S = 300.0


def warmup_s(scenario: Scenario) -> float:
    """How long before the window a cut-short day starts: two mean think times, at
    least five minutes. The users start in their state (:meth:`simulation.clients
    .Population.place`), so only the queues, empty at the start, need it: they fill
    within seconds unless a tier is near saturation, and two thinks also let the
    users' own start (an approximate residual of a think) mix."""
    think = scenario.workload.think_time if scenario.workload.kind == "closed" else None
    return max(MIN_WARMUP_S, WARMUP_THINKS * (think.mean if think else 0.0))


def peak_day(scenario: Scenario) -> tuple[Scenario, bool]:
    """The run a candidate needs when only the window decides: from a warm-up before
    the window to its end, the closed population starting in its state there.

    Returns the scenario to run and whether it starts in state (a run whose
    window leaves no room for the warm-up, or an open workload, keeps its own
    start: arrivals have no state but the queues, which its start fills).
    """
    cut = truncated(scenario)
    lo, _ = judged_window(scenario)
    start = lo - warmup_s(scenario)
    if scenario.workload.kind != "closed" or start <= scenario.start_s:
        return cut, False
    info = cut.scenario.model_copy(update={"start": format_clock(start, with_seconds=True)})
    return cut.model_copy(update={"scenario": info}), True


def peak_moment(scenario: Scenario) -> float:
    """The clock of the profile's highest point inside the judged window."""
    lo, hi = judged_window(scenario)
    profile = scenario.workload.profile
    points = [t for t in profile.times if lo <= t <= hi] or [lo]
    return max(points, key=profile.at)


def peak_request_rate(scenario: Scenario) -> float:
    """Requests/s at the peak: the open rate, or users / (think + service) for a closed one."""
    workload = scenario.workload
    peak = workload.profile.peak
    if workload.kind == "open":
        return peak
    demands = tier_demands(scenario, scenario.step_shares())
    service = sum(d.per_request_s for d in demands.values())  # a request's path
    think = workload.think_time.mean if workload.think_time else 0.0
    return peak / (think + service)


def analytic_bounds(scenario: Scenario) -> Config:
    """The fewest instances per tier keeping peak utilization under the SLO's limit
    (or under 1: a tier past its capacity never drains)."""
    limit = scenario.slo.max_utilization or 0.95
    rate = peak_request_rate(scenario)
    demands = tier_demands(scenario, scenario.step_shares())
    instances = []
    for tier in scenario.tiers:
        if not sizable(tier):
            instances.append(tier.instances)
            continue
        d = demands[tier.name]
        offered = rate * d.busy_per_request_s  # busy servers (or cores) needed, deferred too
        per_instance = tier.workers * limit
        if tier.cores is not None:  # CPU under the limit, and the pool not past its own
            room = tier.cores * (limit - tier.background)  # the background's share is taken
            per_instance = min(room, serving_per_instance(tier, tier.workers) * tier.request_speed)
        instances.append(max(1, math.ceil(offered / per_instance - 1e-9)))
    return Config(tuple(instances), tuple(t.workers for t in scenario.tiers))


def bottleneck_users(scenario: Scenario, config: Config) -> dict[str, float]:
    """Per tier, the peak concurrency (or rate) at which it reaches max_utilization."""
    limit = scenario.slo.max_utilization or 1.0
    rate = peak_request_rate(scenario)
    demands = tier_demands(scenario, scenario.step_shares())
    peak = scenario.workload.profile.peak
    out = {}
    for tier, n, w in zip(scenario.tiers, config.instances, config.workers, strict=True):
        d = demands[tier.name]
        per_request = d.busy_per_request_s
        if per_request == 0 or not sizable(tier):  # a delay never saturates
            out[tier.name] = math.inf
            continue
        # the requests' share of the utilization grows with the users, a background's not
        requests_at_peak = rate * per_request / (n * utilization_per_instance(tier, w))
        out[tier.name] = peak * (limit - tier.background) / requests_at_peak
    return out

"""How much hardware: the cheapest tier sizes that meet every SLO with 95% confidence.

1. Analytic bounds: at the peak, each tier's offered load (requests/s x mean
   service time) must stay under ``max_utilization`` of its c = instances x
   workers: the smallest instances that do are where the search starts.
2. Confirmation by simulation: each candidate runs ``replications`` seeded
   replications up to the window's end, all candidates on the same seeds
   (common random numbers, so neighbours differ by their sizes, not their luck).
   A candidate passes when every SLO holds at its 95% confidence bound (mean +
   half-width). Failing, the tier that limits it gets one more instance: the
   most utilized if a utilization limit broke, else the one where requests
   wait longest. Passing, each tier above its bound tries one instance fewer.
3. N-1: with one instance of a tier lost for 30 minutes from the peak's worst
   moment, the SLO must still hold; a tier that fails it gets an instance more.
4. The capacity curve of the answer: the peak concurrency at which each tier
   reaches ``max_utilization`` (analytic), and the largest peak the simulation
   confirms within SLO.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from peakload.core.clock import format_clock
from peakload.core.scenario import Scenario
from simulation.crosscheck import tier_demands
from simulation.executors import Executor
from simulation.model import Failure
from simulation.replications import combine
from simulation.runner import replication_seeds, run_replication

FAILURE_S = 30 * 60
MAX_STEPS = 60


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


@dataclass
class Estimate:
    config: Config
    summary: dict[str, Any]
    violations: list[str]
    failure: Failure | None = None

    @property
    def passes(self) -> bool:
        return not self.violations


@dataclass
class SizingResult:
    scenario: Scenario  # the input scenario, scaled
    recommended: Config
    estimate: Estimate
    n1: dict[str, dict[str, Any]]
    capacity: dict[str, Any]
    sweeps: dict[str, list[dict[str, Any]]]
    evaluated: int
    wall_s: float
    notes: list[str] = field(default_factory=list)

    def recommended_scenario(self) -> Scenario:
        return apply(self.scenario, self.recommended)


def apply(scenario: Scenario, config: Config) -> Scenario:
    tiers = [
        t.model_copy(update={"instances": n, "workers": w})
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
    return scenario.window_s or (scenario.start_s, scenario.end_s)


def truncated(scenario: Scenario) -> Scenario:
    """The run cut at the window's end: nothing after it changes the verdict."""
    end = judged_window(scenario)[1]
    info = scenario.scenario.model_copy(update={"end": format_clock(end, with_seconds=True)})
    return scenario.model_copy(update={"scenario": info})


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
    service = sum(d.visits_per_request * d.mean_s for d in demands.values())
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
        d = demands[tier.name]
        offered = rate * d.visits_per_request * d.mean_s  # busy servers needed
        instances.append(max(1, math.ceil(offered / (tier.workers * limit) - 1e-9)))
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
        per_request = d.visits_per_request * d.mean_s
        if per_request == 0:
            out[tier.name] = math.inf
            continue
        utilization_at_peak = rate * per_request / (n * w)
        out[tier.name] = peak * limit / utilization_at_peak
    return out


def violations(scenario: Scenario, summary: dict[str, Any]) -> list[str]:
    """SLO limits broken at the 95% confidence bound (estimate + half-width)."""
    slo, found = scenario.slo, []
    overall = summary["overall"]
    for metric in ("p95_s", "p99_s", "mean_s", "error_rate"):
        limit = getattr(slo, metric)
        value = overall.get(metric)
        if limit is None or value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        bound = value + (overall.get(f"{metric}_ci95") or 0.0)
        if bound > limit:
            found.append(f"{metric} {bound:.4g} > {limit:g}")
    if slo.max_utilization is not None:
        for name, tier in summary["tiers"].items():
            bound = tier["utilization"] + (tier.get("utilization_ci95") or 0.0)
            if bound > slo.max_utilization:
                found.append(f"{name} utilization {bound:.3f} > {slo.max_utilization:g}")
    return found


def _job(args: tuple) -> dict[str, Any]:
    scenario, seed, failures = args
    summary, _, _ = run_replication(scenario, seed, failures=failures, series=False)
    return summary


class Sizer:
    def __init__(
        self,
        scenario: Scenario,
        executor: Executor,
        replications: int = 5,
        scale: float = 1.0,
        n1: bool = True,
        search_workers: bool = False,
        seed: int | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.scenario = scaled(scenario, scale)
        self.executor = executor
        self.replications = replications
        self.n1 = n1
        self.search_workers = search_workers
        self.seeds = replication_seeds(
            scenario.scenario.seed if seed is None else seed, replications
        )
        self.progress = progress
        self.evaluated = 0
        self.costs = tuple(t.cost for t in self.scenario.tiers)
        self.names = [t.name for t in self.scenario.tiers]
        self.max_workers = tuple(2 * t.workers for t in self.scenario.tiers)
        self._cache: dict[tuple, Estimate] = {}

    # --- evaluation -------------------------------------------------------------

    def cost(self, config: Config) -> float:
        return sum(n * c for n, c in zip(config.instances, self.costs, strict=True))

    def evaluate(
        self, candidates: list[tuple[Config, Failure | None]], growth: float = 1.0
    ) -> list[Estimate]:
        """All replications of all candidates in one batch, on the same seeds."""
        base = truncated(scaled(self.scenario, growth))
        todo = list(dict.fromkeys(c for c in candidates if (*c, growth) not in self._cache))
        jobs = [
            (apply(base, config), seed, (failure,) if failure else ())
            for config, failure in todo
            for seed in self.seeds
        ]
        summaries = self.executor.map(_job, jobs) if jobs else []
        for i, (config, failure) in enumerate(todo):
            chunk = summaries[i * self.replications : (i + 1) * self.replications]
            summary = combine(chunk)
            estimate = Estimate(config, summary, violations(base, summary), failure)
            self._cache[(config, failure, growth)] = estimate
            self.evaluated += 1
            if self.progress is not None:
                self.progress(self.evaluated)
        return [self._cache[(c, f, growth)] for c, f in candidates]

    def failure_of(self, config: Config, k: int) -> Failure:
        start = peak_moment(self.scenario)
        return Failure(self.names[k], start, start + FAILURE_S, config.workers[k])

    # --- search -----------------------------------------------------------------

    def _relieve(self, estimate: Estimate) -> Config | None:
        """One step up from a failing candidate: more capacity where it is limited."""
        config, summary = estimate.config, estimate.summary
        tiers = summary["tiers"]
        limit = self.scenario.slo.max_utilization
        over = [
            k
            for k, name in enumerate(self.names)
            if limit is not None
            and tiers[name]["utilization"] + (tiers[name].get("utilization_ci95") or 0) > limit
        ]
        if over:
            k = max(over, key=lambda i: tiers[self.names[i]]["utilization"])
        else:
            waits = [tiers[n]["mean_wait_s"] * tiers[n]["throughput_rps"] for n in self.names]
            if max(waits) <= 1e-9:
                return None  # nobody waits: more servers cannot help
            k = int(np.argmax(waits))
        if self.search_workers and config.workers[k] < self.max_workers[k]:
            return config.with_workers(k, +1)  # tune the pool before buying a server
        return config.with_instances(k, +1)

    def _climb(self, config: Config) -> Estimate:
        for _ in range(MAX_STEPS):
            (estimate,) = self.evaluate([(config, None)])
            if estimate.passes:
                return estimate
            nxt = self._relieve(estimate)
            if nxt is None:
                return estimate
            config = nxt
        return estimate

    def _descend(self, estimate: Estimate, floor: Config) -> Estimate:
        """Try one instance fewer on each tier above its bound; keep the cheapest pass."""
        while True:
            config = estimate.config
            options = [
                config.with_instances(k, -1)
                for k in range(len(self.names))
                if config.instances[k] > floor.instances[k]
            ]
            passing = [e for e in self.evaluate([(c, None) for c in options]) if e.passes]
            if not passing:
                return estimate
            estimate = min(passing, key=lambda e: self.cost(e.config))

    def _n1(self, config: Config) -> tuple[dict[str, dict[str, Any]], list[int]]:
        candidates = [(config, self.failure_of(config, k)) for k in range(len(self.names))]
        report, failing = {}, []
        for k, estimate in enumerate(self.evaluate(candidates)):
            overall = estimate.summary["overall"]
            report[self.names[k]] = {
                "pass": estimate.passes,
                "lost": f"1 instance ({config.workers[k]} workers) from "
                f"{format_clock(estimate.failure.start_s)} for 30 min",
                "p95_s": overall["p95_s"],
                "p95_s_ci95": overall.get("p95_s_ci95", 0.0),
                "error_rate": overall["error_rate"],
                "violations": estimate.violations,
            }
            if not estimate.passes:
                failing.append(k)
        return report, failing

    def search(self) -> SizingResult:
        started = time.perf_counter()
        floor = analytic_bounds(self.scenario)
        if self.n1:
            floor = Config(tuple(max(2, n) for n in floor.instances), floor.workers)
        notes = []
        estimate = self._descend(self._climb(floor), floor)
        n1_report: dict[str, dict[str, Any]] = {}
        if self.n1:
            for _ in range(MAX_STEPS):
                n1_report, failing = self._n1(estimate.config)
                if not failing:
                    break
                config = estimate.config
                for k in failing:
                    config = config.with_instances(k, +1)
                estimate = self._climb(config)
        if not estimate.passes:
            notes.append("no configuration met the SLO: " + "; ".join(estimate.violations))
        recommended = estimate.config
        return SizingResult(
            scenario=self.scenario,
            recommended=recommended,
            estimate=estimate,
            n1=n1_report,
            capacity=self.capacity_curve(recommended),
            sweeps=self.sweeps(recommended),
            evaluated=self.evaluated,
            wall_s=time.perf_counter() - started,
            notes=notes,
        )

    # --- what the answer carries --------------------------------------------------

    def capacity_curve(self, config: Config, steps: int = 4) -> dict[str, Any]:
        """Bottleneck peaks per tier (analytic), and the simulated p95 as the peak grows."""
        per_tier = bottleneck_users(self.scenario, config)
        first = min(per_tier.values())
        peak = self.scenario.workload.profile.peak
        factors = sorted({1.0, *np.linspace(1.0, max(1.05, first / peak * 1.1), steps)})
        points = []
        for factor in factors:
            (estimate,) = self.evaluate([(config, None)], growth=float(factor))
            overall = estimate.summary["overall"]
            points.append(
                {
                    "peak": peak * factor,
                    "p95_s": overall["p95_s"],
                    "p95_s_ci95": overall.get("p95_s_ci95", 0.0),
                    "pass": estimate.passes,
                }
            )
        carried = max((p["peak"] for p in points if p["pass"]), default=None)
        return {
            "bottleneck_at": {name: (None if math.isinf(v) else v) for name, v in per_tier.items()},
            "first_bottleneck": min(per_tier, key=per_tier.get),
            "max_peak_within_slo": carried,
            "points": points,
        }

    def sweeps(self, config: Config) -> dict[str, list[dict[str, Any]]]:
        """p95 with each tier's instances one below and one above the answer."""
        candidates, where = [], []
        for k, name in enumerate(self.names):
            for delta in (-1, 0, 1):
                n = config.instances[k] + delta
                if n >= 1:
                    candidates.append((config.with_instances(k, delta), None))
                    where.append((name, n))
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in self.names}
        for (name, n), estimate in zip(where, self.evaluate(candidates), strict=True):
            overall = estimate.summary["overall"]
            out[name].append(
                {
                    "instances": n,
                    "p95_s": overall["p95_s"],
                    "p95_s_ci95": overall.get("p95_s_ci95", 0.0),
                    "pass": estimate.passes,
                }
            )
        return out

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

The arithmetic of step 1 is in :mod:`simulation.sizing_bounds`, step 4 in
:mod:`simulation.sizing_curve`; the verdict at the bound is the one SLO
judge's (:func:`peakload.measure.judge.judge` with ``at="bound"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from peakload.contract.summary import Metric, Overall, Summary, Verdict
from peakload.core.clock import format_clock
from peakload.core.scenario import Failure, Scenario
from peakload.measure.judge import At, judge
from simulation.executors import Executor
from simulation.replications import combine
from simulation.runner import replication_seeds, run_replication
from simulation.sizing_bounds import (
    Config,
    analytic_bounds,
    apply,
    bottleneck_users,
    judged_window,
    peak_moment,
    peak_request_rate,
    scaled,
    truncated,
)
from simulation.sizing_curve import capacity_curve, sweeps

__all__ = [
    "FAILURE_S",
    "Config",
    "Estimate",
    "Sizer",
    "SizingResult",
    "analytic_bounds",
    "apply",
    "bottleneck_users",
    "judged_window",
    "peak_moment",
    "peak_request_rate",
    "scaled",
    "truncated",
]

FAILURE_S = 30 * 60
MAX_STEPS = 60


@dataclass
class Estimate:
    """A candidate confirmed by simulation: its combined summary and the verdict at
    the 95 % confidence bound (``failure``: the N-1 loss it ran under, if any)."""

    config: Config
    summary: Summary
    verdict: Verdict
    failure: Failure | None = None

    @property
    def passes(self) -> bool:
        return self.verdict.passed

    @property
    def overall(self) -> Overall:
        """The window's figures (a simulated candidate's summary always has them)."""
        if self.summary.overall is None:
            raise ValueError(f"{self.config}: the simulation measured no request")
        return self.summary.overall

    @property
    def violations(self) -> list[str]:
        """The broken limits, one line each."""
        return self.verdict.lines()


@dataclass
class SizingResult:
    """The answer: the cheapest passing configuration and what backs it."""

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
        """The scaled scenario with the recommended tiers."""
        return apply(self.scenario, self.recommended)


def _job(args: tuple) -> Summary:
    scenario, seed, failures = args
    summary, _, _ = run_replication(scenario, seed, failures=failures, series=False)
    return summary


class Sizer:
    """The search of one scenario: evaluates candidates in batches on common seeds,
    climbs from the analytic bounds, descends to the cheapest pass, checks N-1.

    Every candidate's replications are cached by (config, failure, growth), so
    the capacity curve and sweeps reuse what the search already simulated.
    """

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
        """What ``config`` costs: instances x each tier's ``cost``."""
        return sum(n * c for n, c in zip(config.instances, self.costs, strict=True))

    def evaluate(
        self, candidates: Sequence[tuple[Config, Failure | None]], growth: float = 1.0
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
            verdict = judge(base.slo, summary, at=At.BOUND)
            estimate = Estimate(config, summary, verdict, failure)
            self._cache[(config, failure, growth)] = estimate
            self.evaluated += 1
            if self.progress is not None:
                self.progress(self.evaluated)
        return [self._cache[(c, f, growth)] for c, f in candidates]

    def failure_of(self, config: Config, k: int) -> Failure:
        """One instance of tier ``k`` lost for 30 minutes from the peak's worst moment."""
        start = peak_moment(self.scenario)
        return Failure(
            tier=self.names[k],
            start=format_clock(start, with_seconds=True),
            end=format_clock(min(start + FAILURE_S, 24 * 3600), with_seconds=True),
        )

    # --- search -----------------------------------------------------------------

    def _relieve(self, estimate: Estimate) -> Config | None:
        """One step up from a failing candidate: more capacity where it is limited."""
        config, tiers = estimate.config, estimate.summary.tiers
        over_limit = {v.tier for v in estimate.verdict.violations if v.metric is Metric.UTILIZATION}
        over = [k for k, name in enumerate(self.names) if name in over_limit]
        if over:
            k = max(over, key=lambda i: tiers[self.names[i]].utilization)
        else:
            waits = [tiers[n].mean_wait_s * tiers[n].throughput_rps for n in self.names]
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
            overall = estimate.overall
            assert estimate.failure is not None  # every N-1 candidate runs under its loss
            report[self.names[k]] = {
                "pass": estimate.passes,
                "lost": f"1 instance ({config.workers[k]} workers) from "
                f"{format_clock(estimate.failure.start_s)} for 30 min",
                "p95_s": overall.p95_s,
                "p95_s_ci95": overall.ci95("p95_s"),
                "error_rate": overall.error_rate,
                "violations": estimate.violations,
            }
            if not estimate.passes:
                failing.append(k)
        return report, failing

    def search(self) -> SizingResult:
        """Climb from the analytic bounds, descend to the cheapest pass, hold N-1."""
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
            capacity=capacity_curve(self, recommended),
            sweeps=sweeps(self, recommended),
            evaluated=self.evaluated,
            wall_s=time.perf_counter() - started,
            notes=notes,
        )

"""How much hardware: the cheapest tier sizes that meet every SLO with 95% confidence.

1. Analytic bounds: at the peak, each tier's offered load (requests/s x mean
   service time) must stay under ``max_utilization`` of its c = instances x
   workers: the smallest instances that do are where the search starts.
2. Confirmation by simulation: each candidate runs seeded replications of the
   window and a warm-up before it (users starting in their state there), all
   candidates on the same seeds (common random numbers, so neighbours differ by
   their sizes, not their luck). A candidate passes when every SLO holds at its
   95% confidence bound (mean + half-width). It runs replications only while
   that is open, up to ``replications`` (:mod:`simulation.sizing_sequential`),
   and none when an analytic utilization floor shows it cannot pass
   (:mod:`simulation.sizing_screen`) or, among one step's options tried in cost
   order, a cheaper one is already accepted. Failing, the tier that limits it
   gets one more instance: the most utilized if a utilization limit broke, else
   the one where requests wait longest. Passing, each tier above its bound tries one instance fewer.
3. N-1: with one instance of a tier lost for 30 minutes from the peak's worst
   moment, the SLO must still hold; a tier that fails it gets an instance more.

A delay tier is never sized and costs nothing; a tier sharing cores grows by
instances, its workers and cores per instance fixed (:mod:`simulation.sizing_bounds`).
4. The capacity curve of the answer: the peak concurrency at which each tier
   reaches ``max_utilization`` (analytic), and the largest peak the simulation
   confirms within SLO.

The arithmetic of step 1 is in :mod:`simulation.sizing_bounds`, the rounds of
step 2 in :mod:`simulation.sizing_rounds`, step 4 in :mod:`simulation.sizing_curve`;
the verdict at the bound is the one SLO judge's (:func:`peakload.measure.judge.judge`
with ``at="bound"``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from peakload.contract.summary import Metric
from peakload.core.clock import format_clock
from peakload.core.scenario import Failure, Scenario
from simulation.executors import Executor
from simulation.sizing_bounds import (
    Config,
    analytic_bounds,
    apply,
    bottleneck_users,
    judged_window,
    peak_moment,
    peak_request_rate,
    scaled,
    sizable,
    truncated,
)
from simulation.sizing_curve import capacity_curve, sweeps
from simulation.sizing_rounds import CandidateRounds
from simulation.sizing_sequential import (
    Candidate,
    Estimate,
    Stop,
)

__all__ = [
    "FAILURE_S",
    "Candidate",
    "Config",
    "Estimate",
    "Sizer",
    "SizingResult",
    "Stop",
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
    candidates: list[Estimate] = field(default_factory=list)
    """Every candidate the search weighed, in the order it first did: its
    replications and why it stopped (screened and dominated ones ran none)."""
    replications_run: int = 0
    """Replications simulated over all candidates."""
    short_day: bool = False
    """True when candidates ran the window and a warm-up only, users starting in state."""

    def recommended_scenario(self) -> Scenario:
        """The scaled scenario with the recommended tiers."""
        return apply(self.scenario, self.recommended)


class Sizer(CandidateRounds):
    """The search of one scenario: climbs from the analytic bounds, descends to the
    cheapest pass, checks N-1, each candidate settled in rounds on common seeds
    (:class:`~simulation.sizing_rounds.CandidateRounds`, whose arguments it takes).

    A candidate runs replications only while its verdict is open, never if the
    analytic pre-screen rules it out or a cheaper one is accepted; the capacity
    curve and sweeps reuse what the search already simulated. ``n1``: hold the
    SLO with one instance of any tier lost; ``search_workers``: try more workers
    per instance before another instance; ``rounds``: the keyword arguments of
    :class:`~simulation.sizing_rounds.CandidateRounds` (replications, scale, seed,
    progress, short_day).
    """

    def __init__(
        self,
        scenario: Scenario,
        executor: Executor,
        *,
        n1: bool = True,
        search_workers: bool = False,
        **rounds: Any,
    ):
        super().__init__(scenario, executor, **rounds)
        self.n1 = n1
        self.search_workers = search_workers
        self.max_workers = tuple(
            2 * t.workers if t.cores is None and sizable(t) else t.workers
            for t in self.scenario.tiers
        )
        """Most workers ``search_workers`` tries per tier: a tier sharing cores keeps
        its pool as deployed (it grows by instances), a delay has none."""

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
        config = estimate.config
        if estimate.summary is None:  # screened: the tier its utilization floor breaks
            screened = [v.tier for v in estimate.verdict.violations if v.tier is not None]
            return self._more(config, self.names.index(screened[0])) if screened else None
        tiers = estimate.summary.tiers
        over_limit = {v.tier for v in estimate.verdict.violations if v.metric is Metric.UTILIZATION}
        over = [k for k, name in enumerate(self.names) if name in over_limit]
        if over:
            k = max(over, key=lambda i: tiers[self.names[i]].utilization)
        else:
            waits = [
                tiers[n].mean_wait_s * tiers[n].throughput_rps if k in self.sized else 0.0
                for k, n in enumerate(self.names)
            ]
            if max(waits) <= 1e-9:
                return None  # nobody waits: more servers cannot help
            k = int(np.argmax(waits))
        return self._more(config, k)

    def _more(self, config: Config, k: int) -> Config:
        """``config`` with more capacity on tier ``k``: a worker if tuning pools, else
        an instance."""
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
                for k in self.sized
                if config.instances[k] > floor.instances[k]
            ]
            options.sort(key=self.cost)  # in cost order: the first accepted ends the round
            settled = self.settle([Candidate(c) for c in options], cheapest=True)
            passing = [e for e in settled if e.passes]
            if not passing:
                return estimate
            estimate = min(passing, key=lambda e: self.cost(e.config))

    def _n1(self, config: Config) -> tuple[dict[str, dict[str, Any]], list[int]]:
        candidates = [(config, self.failure_of(config, k)) for k in self.sized]
        report, failing = {}, []
        for k, estimate in zip(self.sized, self.evaluate(candidates), strict=True):
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
            floor = Config(
                tuple(max(2, n) if k in self.sized else n for k, n in enumerate(floor.instances)),
                floor.workers,
            )
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
            candidates=self.candidates,
            replications_run=self.replications_run,
            short_day=self.short_day and self.day(1.0)[1],
        )

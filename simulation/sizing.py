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

from peakload.contract.summary import Metric, Summary
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
    peak_day,
    peak_moment,
    peak_request_rate,
    scaled,
    sizable,
    tier_cost,
    truncated,
)
from simulation.sizing_curve import capacity_curve, sweeps
from simulation.sizing_screen import screen
from simulation.sizing_sequential import (
    FIRST_REPLICATIONS,
    Candidate,
    Estimate,
    Stop,
    decide,
    dominated,
    screened,
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


def _job(args: tuple) -> Summary:
    scenario, seed, failures, in_state = args
    summary, _, _ = run_replication(
        scenario, seed, failures=failures, series=False, in_state=in_state
    )
    return summary


class Sizer:
    """The search of one scenario: evaluates candidates in rounds on common seeds,
    climbs from the analytic bounds, descends to the cheapest pass, checks N-1.

    A candidate runs replications only while its verdict is open
    (:mod:`simulation.sizing_sequential`), never if the analytic pre-screen rules
    it out (:mod:`simulation.sizing_screen`) or a cheaper one is accepted. Every
    replication run is kept by candidate, so the capacity curve and sweeps reuse
    what the search already simulated and a candidate asked again goes on from
    where it stopped. ``short_day`` (default): a candidate runs from a warm-up
    before the window to its end (:func:`~simulation.sizing_bounds.peak_day`),
    not from the scenario's start.
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
        short_day: bool = True,
    ):
        self.scenario = scaled(scenario, scale)
        self.executor = executor
        self.replications = replications
        self.n1 = n1
        self.search_workers = search_workers
        self.short_day = short_day
        self.seeds = replication_seeds(
            scenario.scenario.seed if seed is None else seed, replications
        )
        self.progress = progress
        self.evaluated = 0
        self.replications_run = 0
        tiers = self.scenario.tiers
        self.costs = tuple(tier_cost(t, 1) for t in tiers)
        """Price of one instance per tier (0 for a delay, never sized)."""
        self.names = [t.name for t in tiers]
        self.sized = [k for k, t in enumerate(tiers) if sizable(t)]
        """Indices of the tiers the search sizes: all but delays."""
        self.max_workers = tuple(
            2 * t.workers if t.cores is None and sizable(t) else t.workers for t in tiers
        )
        """Most workers ``search_workers`` tries per tier: a tier sharing cores keeps
        its pool as deployed (it grows by instances), a delay has none."""
        self._runs: dict[Candidate, list[Summary]] = {}
        self._settled: dict[Candidate, Estimate] = {}
        self._log: dict[Candidate, Estimate] = {}
        self._days: dict[float, tuple[Scenario, bool]] = {}

    # --- evaluation -------------------------------------------------------------

    def cost(self, config: Config) -> float:
        """What ``config`` costs: instances x each tier's ``cost``."""
        return sum(n * c for n, c in zip(config.instances, self.costs, strict=True))

    def day(self, growth: float) -> tuple[Scenario, bool]:
        """The scenario a candidate runs at ``growth``, and whether its users start in state."""
        if growth not in self._days:
            grown = scaled(self.scenario, growth)
            self._days[growth] = peak_day(grown) if self.short_day else (truncated(grown), False)
        return self._days[growth]

    @property
    def candidates(self) -> list[Estimate]:
        """Every candidate weighed so far, in the order it first was, as it stands now."""
        return list(self._log.values())

    def evaluate(
        self, candidates: Sequence[tuple[Config, Failure | None]], growth: float = 1.0
    ) -> list[Estimate]:
        """Each candidate's verdict, replications added only while it is open."""
        return self.settle([Candidate(c, f, growth) for c, f in candidates])

    def settle(self, candidates: Sequence[Candidate], cheapest: bool = False) -> list[Estimate]:
        """Settle ``candidates`` in rounds: screened ones run nothing, the open ones one
        more replication each round (on the next common seed), until each stops.

        ``cheapest``: the candidates compete, only the cheapest accepted matters;
        one costing more than an accepted candidate stops, dominated.
        """
        order = list(dict.fromkeys(candidates))
        open_: list[Candidate] = []
        for candidate in order:
            if candidate in self._settled:
                continue
            if candidate.failure is None:
                scenario, _ = self.day(candidate.growth)
                found = screen(scenario, candidate.config)
                if found.certainly_fails:
                    self._settle(candidate, screened(candidate, found))
                    continue
            open_.append(candidate)
        while open_:
            if cheapest:
                open_ = self._drop_dominated(open_)
                if not open_:
                    break
            self._run_round(open_)
            still = []
            for candidate in open_:
                estimate = self._estimate(candidate)
                if estimate is None:
                    still.append(candidate)
                else:
                    self._settle(candidate, estimate)
            open_ = still
        return [self._log[c] for c in candidates]

    def _drop_dominated(self, open_: list[Candidate]) -> list[Candidate]:
        """The open candidates no cheaper accepted one beats (same load, no loss);
        the others are logged as dominated and run nothing more."""
        accepted = [e for e in self._settled.values() if e.passes and e.failure is None]
        keep = []
        for candidate in open_:
            cost = self.cost(candidate.config)
            rivals = [
                e
                for e in accepted
                if e.candidate.growth == candidate.growth and self.cost(e.config) <= cost
            ]
            if candidate.failure is None and rivals:  # named: the nearest one below it
                best = max(rivals, key=lambda e: self.cost(e.config))
                done = len(self._runs.get(candidate, []))
                self._log[candidate] = dominated(
                    candidate, cost, best, self.cost(best.config), done
                )
            else:
                keep.append(candidate)
        return keep

    def _run_round(self, open_: list[Candidate]) -> None:
        """One more replication of each open candidate (two at first, and more while
        workers would otherwise idle), all in one batch on the executor."""
        per = max(1, -(-self.executor.workers // len(open_)))
        jobs, owners = [], []
        for candidate in open_:
            runs = self._runs.setdefault(candidate, [])
            done = len(runs)
            want = max(FIRST_REPLICATIONS - done, per) if done < FIRST_REPLICATIONS else per
            scenario, in_state = self.day(candidate.growth)
            scenario = apply(scenario, candidate.config)
            failures = (candidate.failure,) if candidate.failure else ()
            for i in range(done, min(done + want, self.replications)):
                jobs.append((scenario, self.seeds[i], failures, in_state))
                owners.append(candidate)
        for candidate, summary in zip(owners, self.executor.map(_job, jobs), strict=True):
            self._runs[candidate].append(summary)
        self.replications_run += len(jobs)

    def _estimate(self, candidate: Candidate) -> Estimate | None:
        runs = self._runs[candidate]
        summary = combine(runs)
        slo = self.scenario.slo
        decided = decide(slo, summary, len(runs), self.replications)
        if decided is None:
            return None
        stop, reason = decided
        return Estimate(
            candidate, summary, judge(slo, summary, at=At.BOUND), len(runs), stop, reason
        )

    def _settle(self, candidate: Candidate, estimate: Estimate) -> None:
        self._settled[candidate] = self._log[candidate] = estimate
        if estimate.simulated:
            self.evaluated += 1
            if self.progress is not None:
                self.progress(self.evaluated)

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

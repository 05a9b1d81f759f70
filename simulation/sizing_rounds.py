"""Candidates settled in rounds on common seeds: the evaluation under the sizing search.

A candidate (:class:`~simulation.sizing_sequential.Candidate`: tier sizes, an
optional failure, a growth of the load) is simulated in replications on the
search's common seeds, one more a round while its verdict is open
(:mod:`simulation.sizing_sequential`), and none when the analytic pre-screen
rules it out (:mod:`simulation.sizing_screen`) or, among candidates that
compete, a cheaper one is accepted. Every replication run is kept by candidate,
so a candidate asked again goes on from where it stopped. The search that
chooses which candidates to ask is :class:`simulation.sizing.Sizer`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from peakload.contract.summary import Summary
from peakload.core.scenario import Failure, Scenario
from peakload.measure.judge import At, judge
from simulation.executors import Executor
from simulation.replications import combine
from simulation.runner import replication_seeds, run_replication
from simulation.sizing_bounds import Config, apply, peak_day, scaled, sizable, tier_cost, truncated
from simulation.sizing_screen import screen
from simulation.sizing_sequential import (
    FIRST_REPLICATIONS,
    Candidate,
    Estimate,
    decide,
    dominated,
    screened,
)


def _job(args: tuple) -> Summary:
    scenario, seed, failures, in_state = args
    return run_replication(
        scenario, seed, failures=failures, series=False, in_state=in_state
    ).summary


class CandidateRounds:
    """The candidates of one scenario, settled in rounds on common seeds.

    ``scale`` grows the scenario's load before anything runs; ``seed`` (default:
    the scenario's) derives the ``replications`` common seeds; ``progress`` is
    told how many candidates have been simulated. ``short_day`` (default): a
    candidate runs from a warm-up before the window to its end
    (:func:`~simulation.sizing_bounds.peak_day`), not from the scenario's start.
    """

    def __init__(
        self,
        scenario: Scenario,
        executor: Executor,
        replications: int = 5,
        scale: float = 1.0,
        seed: int | None = None,
        progress: Callable[[int], None] | None = None,
        short_day: bool = True,
    ):
        self.scenario = scaled(scenario, scale)
        self.executor = executor
        self.replications = replications
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
        self._runs: dict[Candidate, list[Summary]] = {}
        self._settled: dict[Candidate, Estimate] = {}
        self._log: dict[Candidate, Estimate] = {}
        self._days: dict[float, tuple[Scenario, bool]] = {}

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

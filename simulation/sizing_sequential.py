"""Sequential replications: a candidate runs only as many days as its verdict needs.

A sizing candidate is judged on the 95 % confidence interval of each SLO
figure over its replications. Replication by replication (all candidates on
the same seeds, in the same order: common random numbers), each interval
narrows, and a candidate stops

- **accepted** as soon as every figure's interval lies under its limit (the
  verdict at the bound passes, as the fixed-count search required);
- **rejected** as soon as one figure's whole interval lies over its limit;
- **at the maximum** when the most replications ran and an interval still
  straddles a limit: judged at its bound, as before, it fails.

So the statement a confirmed candidate carries is the one the fixed-count search
gave: every limit held at the 95 % bound of its replications; a clear answer
needs just two replications, a close one all of them. As in Kim and Nelson's
fully sequential procedures, and as JMT stops a run once its interval is narrow
enough, what is already certain is not simulated further. (Looking at the
interval after every replication makes a 95 % interval slightly less than 95 %:
the at-most-``maximum`` looks are few, and a straddling interval at the end
still fails.)

Two kinds of candidates run no replication at all: those the analytic
pre-screen shows cannot pass (:mod:`simulation.sizing_screen`), and those
costing more than a candidate already accepted (a cheaper one beats them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from peakload.contract.summary import Metric, Overall, Scope, Summary, Verdict, Violation
from peakload.core.scenario import Failure, Slo
from peakload.measure.judge import At, judge, margins
from simulation.sizing_bounds import Config
from simulation.sizing_screen import Screen

FIRST_REPLICATIONS = 2
"""Replications every simulated candidate runs before it may stop (an interval needs two)."""


class Stop(StrEnum):
    """Why a candidate ran no more replications."""

    ACCEPTED = "accepted"
    """Every figure's 95 % interval is under its limit."""
    REJECTED = "rejected"
    """A figure's whole 95 % interval is over its limit."""
    AT_MAXIMUM = "at_maximum"
    """The most replications ran; an interval still straddles a limit, so it fails."""
    SCREENED = "screened"
    """Not simulated: the analytic pre-screen shows it cannot pass."""
    DOMINATED = "dominated"
    """Simulated no further: it costs more than a candidate already accepted."""


@dataclass(frozen=True)
class Candidate:
    """What one sizing run simulates: tier sizes, an N-1 loss, a growth of the load."""

    config: Config
    failure: Failure | None = None
    growth: float = 1.0


@dataclass
class Estimate:
    """A candidate's standing: its combined replications (none if it ran none), the
    verdict at the 95 % bound, and why it stopped."""

    candidate: Candidate
    summary: Summary | None
    verdict: Verdict
    replications: int
    stop: Stop
    reason: str

    @property
    def config(self) -> Config:
        return self.candidate.config

    @property
    def failure(self) -> Failure | None:
        return self.candidate.failure

    @property
    def passes(self) -> bool:
        return self.stop is Stop.ACCEPTED

    @property
    def simulated(self) -> bool:
        return self.summary is not None

    @property
    def overall(self) -> Overall:
        """The window's figures (a simulated candidate's summary always has them)."""
        if self.summary is None or self.summary.overall is None:
            raise ValueError(f"{self.config}: not simulated ({self.stop.value}: {self.reason})")
        return self.summary.overall

    @property
    def violations(self) -> list[str]:
        """The broken limits, one line each."""
        return self.verdict.lines()


def decide(slo: Slo, summary: Summary, done: int, maximum: int) -> tuple[Stop, str] | None:
    """Whether ``done`` replications (combined in ``summary``) settle the verdict:
    the stop and its reason, or None while an interval straddles a limit."""
    first = min(FIRST_REPLICATIONS, maximum)
    if done < first:
        return None
    verdict = judge(slo, summary, at=At.BOUND)
    if verdict.passed:
        return Stop.ACCEPTED, f"every limit held at its 95 % bound after {done} replications"
    over = [
        f"{m.where} {m.metric.value} {m.estimate:.4g} ± {m.ci95:.2g} over {m.limit:g}"
        for m in margins(slo, summary)
        if m.limit is not None and m.estimate - m.ci95 > m.limit
    ]
    if over:
        return Stop.REJECTED, f"whole interval over a limit after {done}: " + "; ".join(over)
    if done >= maximum:
        return Stop.AT_MAXIMUM, (
            f"an interval still straddles a limit after {done} (the maximum); "
            "fails at its bound: " + "; ".join(verdict.lines())
        )
    return None


def screened(candidate: Candidate, found: Screen) -> Estimate:
    """The estimate of a candidate the pre-screen rules out: failing, never simulated."""
    violations = [
        Violation(
            scope=Scope.TIER,
            metric=Metric.UTILIZATION,
            value=found.utilization_floor[tier],
            limit=found.limit,
            ci95=0.0,
            message=f"tier {tier} utilization at least {found.utilization_floor[tier]:.1%} "
            f"(analytic) > {found.limit}",
            tier=tier,
        )
        for tier in found.over
    ]
    verdict = Verdict(passed=False, violations=violations)
    return Estimate(candidate, None, verdict, 0, Stop.SCREENED, found.reason())


def dominated(
    candidate: Candidate, cost: float, by: Estimate, by_cost: float, replications: int = 0
) -> Estimate:
    """The estimate of a candidate a cheaper accepted one beats: simulated no further
    (``replications``: what it had run before it was beaten)."""
    verdict = Verdict(passed=False)
    reason = f"costs {cost:g}; {by.config.instances} at {by_cost:g} is accepted"
    return Estimate(candidate, None, verdict, replications, Stop.DOMINATED, reason)

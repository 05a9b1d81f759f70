"""The one SLO judge, the same for a simulated and a measured summary.

``judge(slo, summary, at)`` holds every limit of the scenario's ``[slo]``
against a :class:`~peakload.contract.summary.Summary` and returns a typed
:class:`~peakload.contract.summary.Verdict`:

- the latency and error limits (``p95_s``, ``p99_s``, ``mean_s``,
  ``error_rate``) against ``overall``;
- ``max_utilization`` against every tier;
- and what makes any run untrustworthy, limits or not: a run that measured
  no request in its window, a saturated load generator (for an open
  workload: flow starts begun late or never, or its CPU), flow starts dropped
  at an open workload's pool cap, a write the server lost or recorded twice.

**Estimate or bound.** A figure from N replications is a mean with a 95 %
half-width. ``at="estimate"`` (simulate, loadtest, compare) fails a limit the
mean breaks, and lists under ``at_risk`` a limit only the bound (mean +
half-width) breaks. ``at="bound"`` (``size``, which must *confirm* a
configuration) fails a limit the bound breaks. A single run has half-width 0,
so both agree on it. A figure combined from replications of which fewer than
two had it has an unknown width (NaN): under its limit, it fails at the bound
(it cannot be confirmed) and is at risk at the estimate.

:func:`margins` gives every limited figure with its estimate, half-width,
bound and limit, the numbers the verdict is made of (``sizing.json`` reports
them whether they pass or not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from peakload.contract.summary import (
    OVERALL_LIMITS,
    Metric,
    Scope,
    Stats,
    Summary,
    Verdict,
    Violation,
)
from peakload.core.scenario import Slo
from peakload.measure import schedule


class At(StrEnum):
    """Which side of a confidence interval a limit is held to."""

    ESTIMATE = "estimate"  # the mean: what the run most likely did
    BOUND = "bound"  # mean + 95 % half-width: what it did with 95 % confidence


@dataclass(frozen=True)
class Margin:
    """One SLO figure of a summary beside its limit (``None``: the SLO sets none)."""

    scope: Scope
    metric: Metric
    estimate: float
    ci95: float
    limit: float | None
    tier: str | None = None

    @property
    def bound(self) -> float:
        """The 95 % confidence upper bound: estimate + half-width."""
        return self.estimate + self.ci95

    @property
    def where(self) -> str:
        """``overall`` or ``tier <name>``, for messages."""
        return f"tier {self.tier}" if self.tier else self.scope.value

    def violation(self, value: float, message: str) -> Violation:
        extra = {"tier": self.tier} if self.tier else {}
        return Violation(
            scope=self.scope,
            metric=self.metric,
            value=value,
            limit=self.limit,
            ci95=self.ci95,
            message=message,
            **extra,
        )


def _margin(
    scope: Scope, metric: Metric, stats: Stats, limit: float | None, tier: str | None = None
) -> Margin | None:
    value = stats.figure(metric.value)
    if value is None:
        return None  # no data (NaN): nothing to judge
    return Margin(scope, metric, value, stats.ci95(metric.value), limit, tier)


def margins(slo: Slo, summary: Summary) -> list[Margin]:
    """Every figure an ``[slo]`` limit applies to (limited or not), in a fixed order:
    the overall limits, then each tier's utilization. NaN figures are left out."""
    found: list[Margin] = []
    if summary.overall is not None:
        for metric in OVERALL_LIMITS:
            margin = _margin(Scope.OVERALL, metric, summary.overall, getattr(slo, metric.value))
            if margin is not None:
                found.append(margin)
    for name, tier in summary.tiers.items():
        margin = _margin(Scope.TIER, Metric.UTILIZATION, tier, slo.max_utilization, name)
        if margin is not None:
            found.append(margin)
    return found


def _trust(summary: Summary) -> list[Violation]:
    """What makes a run's figures untrustworthy, whatever the limits say."""
    found = []
    if summary.overall is None or not summary.overall.requests:
        found.append(
            Violation(
                scope=Scope.RUN,
                metric=Metric.REQUESTS,
                value=0,
                limit=1,
                message="no request ended in the window: a run that measured nothing",
            )
        )
    generator = summary.generator
    if generator is not None and generator.saturated:
        found.append(
            Violation(
                scope=Scope.GENERATOR,
                metric=Metric.SATURATED,
                value=True,
                limit=False,
                message="generator saturated: " + "; ".join(generator.reasons),
            )
        )
    dropped = schedule.dropped_reason(summary.arrivals) if summary.arrivals else None
    if dropped and summary.arrivals is not None:
        found.append(
            Violation(
                scope=Scope.GENERATOR,
                metric=Metric.DROPPED_STARTS,
                value=summary.arrivals["dropped"],
                limit=0,
                message=dropped,
            )
        )
    reconciliation = summary.reconciliation or {}
    for metric in (Metric.LOST, Metric.DUPLICATED):
        count = reconciliation.get(metric.value)
        if count:
            found.append(
                Violation(
                    scope=Scope.RECONCILIATION,
                    metric=metric,
                    value=count,
                    limit=0,
                    message=f"{count} write(s) {metric.value}",
                )
            )
    leaks = (summary.isolation or {}).get(Metric.LEAKS.value)
    if leaks:
        found.append(
            Violation(
                scope=Scope.ISOLATION,
                metric=Metric.LEAKS,
                value=leaks,
                limit=0,
                message=f"{leaks} cross-unit read(s) answered with another unit's record",
            )
        )
    return found


def judge(slo: Slo, summary: Summary, at: At | str = At.ESTIMATE) -> Verdict:
    """The verdict on ``summary`` under ``slo``, limits held ``at`` the estimate or
    its 95 % bound. Passes only when nothing is violated. The verdict names the
    limits it held: none (an ``[slo]`` absent or empty) is said as such, never as
    a plain pass."""
    at = At(at)
    violations: list[Violation] = []
    at_risk: list[Violation] = []
    for m in margins(slo, summary):
        if m.limit is None or (isinstance(m.limit, float) and math.isnan(m.limit)):
            continue
        if math.isnan(m.ci95) and m.estimate <= m.limit:
            # Replications, but too few had this figure to give it a width: its bound
            # is unknown. Under the limit it cannot be confirmed (at the bound) and is
            # not known to be clear of it (at the estimate).
            unknown = m.violation(
                m.estimate,
                f"{m.where} {m.metric.value} {m.estimate:.4g} (width unknown: fewer than "
                f"two replications had it) against {m.limit:g}",
            )
            (violations if at is At.BOUND else at_risk).append(unknown)
        elif at is At.BOUND:
            if not m.bound <= m.limit:  # NaN here: the estimate alone is over the limit
                violations.append(
                    m.violation(
                        m.bound if math.isfinite(m.bound) else m.estimate,
                        f"{m.where} {m.metric.value} {m.bound:.4g} (bound: {m.estimate:.4g} "
                        f"+ {m.ci95:.2g}) > {m.limit:g}",
                    )
                )
        elif m.estimate > m.limit:
            violations.append(
                m.violation(
                    m.estimate, f"{m.where} {m.metric.value} {m.estimate:.4g} > {m.limit:g}"
                )
            )
        elif m.bound > m.limit:
            at_risk.append(
                m.violation(
                    m.estimate,
                    f"{m.where} {m.metric.value} {m.estimate:.4g} (+/- {m.ci95:.2g}) "
                    f"is close to {m.limit:g}",
                )
            )
    violations += _trust(summary)
    limits = [name for name, limit in slo.model_dump().items() if limit is not None]
    return Verdict(passed=not violations, violations=violations, at_risk=at_risk, limits=limits)

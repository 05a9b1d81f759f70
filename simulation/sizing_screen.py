"""The analytic pre-screen: candidates that certainly fail need no simulation.

A closed population of N users who think Z seconds between requests that take
R seconds sends X = N / (Z + R) requests a second (Little's law on the think-
and-request cycle). A tier with demand D per request and c servers is then
busy U = X D / c of the time. R is unknown before simulating, but a candidate
that *passes* cannot have a long one: 95 % of its requests end within the p95
limit and none waits past the client's timeout (with its retries), so

    R <= 0.95 p95_limit + 0.05 (timeout_s + retry_delay_s) (retries + 1)

(or the p99's or the mean's limit, whichever is least)
and U is at least ``N X D / c`` with that R and the window's average
population, less the share the error-rate limit lets fail (:func:`served_share`). If this lower
bound already breaks ``max_utilization``, the candidate cannot pass: it is
*screened out*. (The search's starting bounds, :func:`~simulation.sizing_bounds
.analytic_bounds`, use the peak and R = service alone: an estimate, not a bound.)

An open workload's rate is given, so its U is exact: rate x D / c.

A tier sharing cores is held to the utilization its summary reports, CPU:
c is then instances x cores. A delay tier has no utilization and no floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from peakload.core.scenario import Scenario
from simulation.crosscheck import tier_demands
from simulation.sizing_bounds import Config, judged_window, sizable, utilization_per_instance

PROFILE_POINTS = 721  # samples of the profile over the window for its average


@dataclass(frozen=True)
class Screen:
    """The pre-screen's finding on one candidate: the tiers certainly over the limit."""

    utilization_floor: dict[str, float]
    """Per tier, the least utilization a passing candidate could have."""
    limit: float | None
    """The SLO's ``max_utilization`` (None: no limit, nothing is screened)."""

    @property
    def over(self) -> list[str]:
        """Tiers whose floor breaks the limit, the worst first."""
        if self.limit is None:
            return []
        over = [t for t, u in self.utilization_floor.items() if u > self.limit]
        return sorted(over, key=lambda t: -self.utilization_floor[t])

    @property
    def certainly_fails(self) -> bool:
        return bool(self.over)

    def reason(self) -> str:
        """One line: why the candidate cannot pass."""
        return "; ".join(
            f"{t} utilization at least {self.utilization_floor[t]:.1%} > {self.limit:.0%}"
            for t in self.over
        )


def longest_passing_response(scenario: Scenario) -> float:
    """The longest mean request time (s) a candidate meeting the SLO can have."""
    workload = scenario.workload
    timeout = workload.timeout_s
    if timeout is None or math.isinf(timeout):
        return math.inf
    worst = (timeout + workload.retry_delay_s) * (workload.retries + 1)
    slo = scenario.slo
    bounds = [worst]
    if slo.mean_s is not None:
        bounds.append(slo.mean_s)
    if slo.p95_s is not None:
        bounds.append(0.95 * slo.p95_s + 0.05 * worst)
    if slo.p99_s is not None:
        bounds.append(0.99 * slo.p99_s + 0.01 * worst)
    return min(bounds)


def window_average_load(scenario: Scenario) -> float:
    """The profile's mean over the judged window: users (closed) or requests/s (open)."""
    lo, hi = judged_window(scenario)
    profile = scenario.workload.profile
    return float(np.mean([profile.at(t) for t in np.linspace(lo, hi, PROFILE_POINTS)]))


def served_share(scenario: Scenario) -> float:
    """The least share of requests a passing candidate's tiers all serve: every one
    when no tier refuses (a timed-out request is still served), else all but the
    error-rate limit's share (none known without that limit)."""
    if all(t.queue_limit is None for t in scenario.tiers):
        return 1.0
    limit = scenario.slo.error_rate
    return 0.0 if limit is None else 1.0 - limit


def screen(scenario: Scenario, config: Config) -> Screen:
    """The least utilization each tier of ``config`` would have if it passed."""
    slo = scenario.slo
    demands = tier_demands(scenario, scenario.step_shares())
    load = window_average_load(scenario)
    workload = scenario.workload
    if workload.kind == "open":
        rate = load
    else:
        think = workload.think_time.mean if workload.think_time else 0.0
        cycle = think + longest_passing_response(scenario)
        rate = 0.0 if math.isinf(cycle) else load / cycle
    served = served_share(scenario)
    floors = {}
    for tier, n, w in zip(scenario.tiers, config.instances, config.workers, strict=True):
        if not sizable(tier):  # a delay has no utilization to floor
            continue
        d = demands[tier.name]
        capacity = n * utilization_per_instance(tier, w)
        floors[tier.name] = served * rate * d.busy_per_request_s / capacity
    return Screen(floors, slo.max_utilization)

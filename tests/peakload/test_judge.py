"""The one SLO judge: estimate against bound, typed violations, untrustworthy runs."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from peakload.contract.summary import Metric, Scope, Summary, read_summary
from peakload.core.scenario import Slo
from peakload.measure.judge import At, judge, margins

BASELINES = Path(__file__).resolve().parents[2] / "results" / "baselines"


@pytest.fixture
def april() -> Summary:
    """Three replications: every figure carries a half-width."""
    return read_summary(BASELINES / "sim-april")


def test_a_limit_between_estimate_and_bound_is_at_risk_or_failed(april):
    p95, half = april.overall.p95_s, april.overall.ci95("p95_s")
    assert half > 0
    slo = Slo(p95_s=p95 + half / 2)
    estimate = judge(slo, april)
    assert estimate.passed
    (risk,) = estimate.at_risk
    assert (risk.scope, risk.metric) == (Scope.OVERALL, Metric.P95)
    bound = judge(slo, april, at="bound")
    assert not bound.passed and bound.at_risk == []
    (violation,) = bound.violations
    assert violation.value == pytest.approx(p95 + half)
    assert violation.message.startswith("overall p95_s")


def test_an_unknown_width_is_never_taken_for_zero(april):
    """Replications of which fewer than two had the p95 leave its width unknown (NaN,
    ``null`` in summary.json): read back as NaN, not 0; a verdict at the bound cannot
    confirm it and one at the estimate calls it at risk."""
    data = april.to_dict()
    data["overall"]["p95_s_ci95"] = None  # as a replication without requests leaves it
    unknown = Summary.model_validate(data)
    assert np.isnan(unknown.overall.ci95("p95_s"))
    assert unknown.overall.ci95("servers") == 0.0  # no sibling at all: one value, exact
    slo = Slo(p95_s=unknown.overall.p95_s * 2)
    bound = judge(slo, unknown, at="bound")
    (violation,) = bound.violations
    assert not bound.passed and "width unknown" in violation.message
    estimate = judge(slo, unknown)
    assert estimate.passed and [v.metric for v in estimate.at_risk] == [Metric.P95]
    over = judge(Slo(p95_s=unknown.overall.p95_s / 2), unknown, at="bound")
    assert not over.passed and over.violations[0].value == unknown.overall.p95_s


def test_a_tier_over_max_utilization_is_named(april):
    busiest = max(april.tiers, key=lambda name: april.tiers[name].utilization)
    verdict = judge(Slo(max_utilization=april.tiers[busiest].utilization * 0.99), april)
    assert not verdict.passed
    assert busiest in {v.tier for v in verdict.violations}
    assert all(v.scope is Scope.TIER and v.metric is Metric.UTILIZATION for v in verdict.violations)


def test_no_limits_pass_and_margins_still_report_every_figure(april):
    assert judge(Slo(), april).passed
    figures = margins(Slo(), april)
    assert {m.metric for m in figures if m.scope is Scope.OVERALL} == {
        Metric.P95,
        Metric.P99,
        Metric.MEAN,
        Metric.ERROR_RATE,
    }
    assert {m.tier for m in figures if m.scope is Scope.TIER} == set(april.tiers)
    assert all(m.limit is None for m in figures)


def test_a_run_that_measured_nothing_never_passes(april):
    empty = copy.deepcopy(april)
    empty.overall.requests = 0
    verdict = judge(Slo(), empty)
    assert not verdict.passed
    assert verdict.violations[0].metric is Metric.REQUESTS


def test_a_saturated_generator_and_lost_writes_fail_a_load_test():
    summary = read_summary(BASELINES / "loadtest-ci-smoke")
    assert judge(Slo(), summary).passed
    summary.generator.saturated = True
    summary.generator.reasons = ["a generator process held 97 % of its core for 5 s"]
    summary.reconciliation = {**summary.reconciliation, "lost": 2}
    verdict = judge(Slo(), summary, at=At.ESTIMATE)
    assert {(v.scope, v.metric) for v in verdict.violations} == {
        (Scope.GENERATOR, Metric.SATURATED),
        (Scope.RECONCILIATION, Metric.LOST),
    }
    assert "97 %" in verdict.lines()[0] and verdict.lines()[1] == "2 write(s) lost"


def test_dropped_flow_starts_fail_an_open_load_test():
    """Starts dropped at the pool's cap: the load offered fell short of the schedule."""
    summary = read_summary(BASELINES / "loadtest-ci-smoke")
    summary.arrivals = {"scheduled": 200, "dropped": 0, "dropped_fraction": 0.0, "pool_max": 3}
    assert judge(Slo(), summary).passed
    summary.arrivals = {**summary.arrivals, "dropped": 5, "dropped_fraction": 0.025}
    verdict = judge(Slo(), summary)
    assert not verdict.passed
    (violation,) = verdict.violations
    assert (violation.scope, violation.metric) == (Scope.GENERATOR, Metric.DROPPED_STARTS)
    assert violation.value == 5 and "5 of 200" in violation.message
    assert "cap of 3" in violation.message


def test_a_cross_unit_leak_fails_a_load_test_and_probes_without_one_pass():
    summary = read_summary(BASELINES / "loadtest-ci-smoke")
    summary.isolation = {"probes": 120, "leaks": 0}
    assert judge(Slo(), summary).passed
    summary.isolation = {"probes": 120, "leaks": 1}
    (violation,) = judge(Slo(), summary).violations
    assert (violation.scope, violation.metric, violation.value) == (
        Scope.ISOLATION,
        Metric.LEAKS,
        1,
    )
    assert violation.message == "1 cross-unit read(s) answered with another unit's record"


def test_the_verdict_names_the_limits_it_held_and_none_is_not_a_plain_pass(april):
    held = judge(Slo(p95_s=100.0, max_utilization=1.0), april)
    assert held.passed and held.limits == ["p95_s", "max_utilization"] and not held.no_limits
    unlimited = judge(Slo(), april)
    assert unlimited.passed and unlimited.limits == [] and unlimited.no_limits
    assert unlimited.model_dump(by_alias=True)["limits"] == []  # kept in summary.json
    older = Summary.model_validate(april.to_dict() | {"slo": {"pass": True, "violations": []}})
    assert older.slo.limits is None and not older.slo.no_limits  # not recorded: not "none"

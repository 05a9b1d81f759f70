"""Which demands make a calibration inconclusive, and how precise the others are."""

from __future__ import annotations

import math

from peakload.contract.calibration import DemandEstimate, Method
from peakload.measure.calibration.verdict import inconclusive, relative_half_width, worst_interval


def _demand(estimate=0.01, ci95=(0.009, 0.011), **kwargs) -> DemandEstimate:
    fields = {"prior": 0.01, "method": Method.UTILIZATION_LAW, "identifiable": True}
    return DemandEstimate(estimate=estimate, ci95=ci95, **{**fields, **kwargs})


def test_relative_half_width_is_half_the_interval_over_the_estimate():
    assert relative_half_width(_demand(0.02, (0.017, 0.025))) == 0.004 / 0.02
    assert math.isinf(relative_half_width(_demand(0.0, (0.0, 0.001))))


def test_the_widest_interval_is_taken_among_major_transactions_only():
    demands = {
        "a": {"app": _demand(0.01, (0.009, 0.011)), "db": _demand(0.01, (0.007, 0.013))},
        "minor": {"app": _demand(0.01, (0.0, 0.02))},
    }
    name, width = worst_interval(demands, {"a": 0.5})
    assert name == "a.db" and abs(width - 0.3) < 1e-9


def test_unidentified_at_bound_and_unmeasured_major_demands_are_named_with_a_fix():
    demands = {
        "a": {
            "app": _demand(identifiable=False, why="tied with b"),
            "db": _demand(0.0, (0.0, 0.0), at_bound=True),
            "signature": _demand(method=Method.PRIOR, identifiable=False, why="no busy time"),
            "gateway": _demand(),
        },
        "minor": {"app": _demand(identifiable=False, why="tied")},
    }
    lines = inconclusive(demands, {"a": 0.2})
    assert [line.split(" ")[0] for line in lines] == ["a.app", "a.db", "a.signature"]
    assert "tied with b" in lines[0]
    assert "--plan-seconds" in lines[1] and "--busy-time" in lines[2]
    assert inconclusive(demands, {}) == []


def test_with_plan_the_fix_is_not_to_run_plan():
    why = (
        "60% of its completions' variation is chance: tied with b; vary the mix (calibrate --plan)"
    )
    demands = {"a": {"app": _demand(identifiable=False, why=why)}}
    planned = inconclusive(demands, {"a": 0.2}, planned=True)[0]
    assert "tied with b" in planned and "calibrate --plan" not in planned
    assert "--plan-seconds" in planned

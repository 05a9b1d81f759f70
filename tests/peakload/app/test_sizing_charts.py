"""The sizing charts both the PNGs and report.html draw, from sizing.json's data."""

from __future__ import annotations

import math

from peakload.app.sizing_charts import sizing_charts

DOCUMENT = {
    "slo": {"confirmed": {"p95_s": {"limit": 2.0}}},
    "recommended": {"app": {"instances": 3}},
    "sweeps": {
        "app": [
            {"instances": 2, "p95_s": 3.5, "p95_s_ci95": 0.2},
            {"instances": 3, "p95_s": 1.2, "p95_s_ci95": None},
            {"instances": 4, "p95_s": None},  # not simulated: the search stopped short
        ]
    },
    "capacity_curve": {
        "points": [{"peak": 100.0, "p95_s": 0.5, "p95_s_ci95": 0.1}, {"peak": 200.0}],
        "bottleneck_at": {"app": 180.0, "db": 900.0, "gateway": math.inf, "disk": None},
    },
    "peak_concurrency": 150.0,
}


def test_only_simulated_points_are_drawn_and_every_searched_count_is_a_tick() -> None:
    (sweep,) = sizing_charts(DOCUMENT).sweeps
    assert sweep.instances == [2, 3]
    assert sweep.ci95 == [0.2, 0.0]  # an unknown width draws no bar
    assert sweep.ticks == [2, 3, 4]
    assert sweep.recommended == 3


def test_limits_past_the_axis_are_named_not_drawn() -> None:
    charts = sizing_charts(DOCUMENT)
    curve = charts.curve
    assert charts.slo_p95_s == 2.0
    assert curve.right == 250.0  # 1.25 x the largest peak searched
    assert curve.limits == [("app", 180.0)]
    assert curve.beyond == [("db", 900.0)]
    assert curve.peaks == [100.0] and curve.scenario_peak == 150.0

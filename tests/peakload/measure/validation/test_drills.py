"""Drill rows: a failure drill predicted against what the system went through."""

import math

import numpy as np
import pytest

from peakload.measure.drills import (
    compare_drills,
    drill_batches,
    measured_drills,
    predicted_drills,
    wait_ratios,
)
from peakload.measure.stats import half_width
from peakload.measure.validation import (
    Agreement,
    Bounds,
    MetricKind,
    failing_metrics,
)

DRILL_KEY = "app 09:07-09:13"


def drill_summary(inside_wait, outside_wait, inside_response, outside_response):
    """A summary with only what the drill rows read: its ``drills`` section."""
    return {
        "drills": {
            DRILL_KEY: {
                "tier": "app",
                "instances": 1,
                "inside": {
                    "visits": 1300,
                    "mean_wait_s": inside_wait,
                    "mean_response_s": inside_response,
                },
                "outside": {
                    "visits": 900,
                    "mean_wait_s": outside_wait,
                    "mean_response_s": outside_response,
                },
            }
        }
    }


def drill_rows(measured_summary, batches=None):
    # three replications around 4 ms inside, 0.05 ms outside (ci-smoke's drill, simulated)
    replications = [
        drill_summary(w, 0.00005, r, 0.0245)
        for w, r in ((0.0038, 0.0275), (0.0042, 0.0280), (0.0046, 0.0284))
    ]
    predicted = predicted_drills(replications)
    measured = measured_drills(measured_summary, batches or {})
    return {r.metric: r for r in compare_drills(predicted, measured, Bounds())}


def test_a_drill_the_system_went_through_as_predicted_agrees():
    rows = drill_rows(drill_summary(0.0045, 0.0002, 0.0281, 0.0247))
    assert set(rows) == {
        f"drills.{DRILL_KEY}.{side}.{leaf}"
        for side in ("inside", "outside")
        for leaf in ("mean_wait_s", "mean_response_s")
    }
    inside = rows[f"drills.{DRILL_KEY}.inside.mean_wait_s"]
    assert inside.kind is MetricKind.WAIT and inside.predicted.value == pytest.approx(0.0042)
    assert inside.predicted.ci95 == pytest.approx(half_width([0.0038, 0.0042, 0.0046]))
    assert math.isnan(inside.measured.ci95)  # no batches: the prediction's noise alone
    # 0.3 ms apart: inside the 1 ms wait floor (10 % would be 0.45 ms)
    assert inside.bound == pytest.approx(0.001) and inside.verdict is Agreement.AGREE
    assert rows[f"drills.{DRILL_KEY}.inside.mean_response_s"].kind is MetricKind.MEAN
    assert not any(r.failed for r in rows.values())
    ratios = wait_ratios(list(rows.values()))[DRILL_KEY]
    assert ratios["predicted"] == pytest.approx(84.0) and ratios["measured"] == pytest.approx(22.5)


def test_a_drill_the_system_did_not_go_through_disagrees():
    # the mock lost no instance: its app wait stayed at the outside level throughout
    rows = drill_rows(drill_summary(0.0002, 0.0002, 0.0246, 0.0247))
    inside = rows[f"drills.{DRILL_KEY}.inside.mean_wait_s"]
    assert inside.failed and inside.error == pytest.approx(0.004 / 0.0002)
    assert failing_metrics(rows.values()) == [f"drills.{DRILL_KEY}.inside.mean_wait_s"]
    # Within 5 ms the response times cannot tell (the latency floor): they agree.
    assert not rows[f"drills.{DRILL_KEY}.inside.mean_response_s"].failed


def test_a_drill_only_one_side_reports_disagrees():
    rows = drill_rows({"drills": {}})
    assert len(rows) == 4 and all(r.failed for r in rows.values())
    assert all(math.isnan(r.measured.value) for r in rows.values())


def test_measured_half_widths_come_from_the_drill_batches():
    batches = {DRILL_KEY: {"inside": {"mean_wait_s": [0.004, 0.005, 0.006]}}}
    rows = drill_rows(drill_summary(0.005, 0.0002, 0.0281, 0.0247), batches)
    inside = rows[f"drills.{DRILL_KEY}.inside.mean_wait_s"]
    assert inside.measured.ci95 == pytest.approx(half_width([0.004, 0.005, 0.006]))
    assert math.isnan(rows[f"drills.{DRILL_KEY}.outside.mean_wait_s"].measured.ci95)


def test_drill_batches_cut_each_side_from_the_counters():
    # A tier sampled every 8 scenario seconds (x8, one sample a wall second) from 09:05 to
    # 09:15: 10 visits per sample, waiting 5 ms each inside 09:07-09:13, 0 outside, 20 ms busy.
    clock = np.arange(9 * 3600 + 300, 9 * 3600 + 900 + 1, 8.0)
    inside = (clock > 9 * 3600 + 420) & (clock <= 9 * 3600 + 780)
    done = np.cumsum(np.full(len(clock), 10.0))
    counters = {
        "completions": done,
        "wait_s": np.cumsum(np.where(inside, 10 * 0.005, 0.0)),
        "busy_s": done * 0.020,
    }
    window = (9 * 3600 + 300.0, 9 * 3600 + 900.0)
    batches = drill_batches(clock, counters, window, (9 * 3600 + 420.0, 9 * 3600 + 780.0), 8.0)
    # inside: 360 s = 45 wall s, nine batches of 5 wall s; outside: two 120-s pieces, 3 each
    assert len(batches["inside"]["mean_wait_s"]) == 9
    assert len(batches["outside"]["mean_wait_s"]) == 6
    assert np.allclose(batches["inside"]["mean_wait_s"][1:-1], 0.005)
    assert np.allclose(batches["outside"]["mean_wait_s"][1:-1], 0.0)
    assert np.allclose(batches["inside"]["mean_response_s"][1:-1], 0.025)
    # A drill of a few wall seconds has no batches: no measured half-width.
    short = drill_batches(clock, counters, window, (9 * 3600 + 420.0, 9 * 3600 + 460.0), 8.0)
    assert short["inside"]["mean_wait_s"] == []


def test_the_wait_bound_has_its_own_floor():
    bounds = Bounds()
    assert bounds.allowed("m", MetricKind.WAIT, 0.004) == pytest.approx(0.001)
    assert bounds.allowed("m", MetricKind.WAIT, 0.050) == pytest.approx(0.005)
    assert bounds.allowed("m", MetricKind.MEAN, 0.004, latency_floor=True) == pytest.approx(0.005)
    assert bounds.allowed("m", MetricKind.MEAN, 0.004) == pytest.approx(0.0004)
    assert Bounds(wait_floor_s=0.0).allowed("m", MetricKind.WAIT, 0.004) == pytest.approx(0.0004)

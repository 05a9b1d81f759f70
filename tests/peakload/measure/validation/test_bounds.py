"""Bounds: relative, point and floor bounds, noise, per-metric bounds from TOML."""

import math

import pytest

from peakload.measure.validation import (
    Agreement,
    Bounds,
    BoundsError,
    Estimate,
    MetricKind,
    load_bounds,
)
from tests.peakload.measure.validation.builders import queue_only, row


def test_a_relative_bound_is_a_fraction_of_the_measurement():
    assert row(MetricKind.THROUGHPUT, Estimate(104.9), Estimate(100.0)).verdict is Agreement.AGREE
    assert (
        row(MetricKind.THROUGHPUT, Estimate(105.1), Estimate(100.0)).verdict is Agreement.DISAGREE
    )
    r = row(MetricKind.THROUGHPUT, Estimate(94.0), Estimate(100.0))
    assert r.failed and r.error == pytest.approx(-0.06) and r.bound == pytest.approx(5.0)


def test_utilization_and_share_bounds_are_points():
    assert row(MetricKind.UTILIZATION, Estimate(0.549), Estimate(0.50)).verdict is Agreement.AGREE
    r = row(MetricKind.UTILIZATION, Estimate(0.56), Estimate(0.50))
    assert r.failed and r.error == pytest.approx(0.06)
    assert row(MetricKind.SHARE, Estimate(0.139), Estimate(0.13)).verdict is Agreement.AGREE


def test_only_a_queue_time_only_latency_has_an_absolute_floor():
    # 10 % of 20 ms is 2 ms; the 5 ms floor lets 24 ms agree, not 26 ms...
    assert queue_only(Estimate(0.024), Estimate(0.020)).verdict is Agreement.AGREE
    assert queue_only(Estimate(0.026), Estimate(0.020)).failed
    no_floor = Bounds(latency_floor_s=0.0)
    assert queue_only(Estimate(0.024), Estimate(0.020), bounds=no_floor).failed
    # ...and a prediction that holds the outside time has none.
    assert row(MetricKind.MEAN, Estimate(0.024), Estimate(0.020)).failed
    # Above 50 ms the relative bound is the larger: p95 15 % of 1 s.
    assert row(MetricKind.P95, Estimate(1.14), Estimate(1.0)).verdict is Agreement.AGREE
    assert row(MetricKind.P95, Estimate(1.16), Estimate(1.0)).failed


def test_noise_from_both_intervals_widens_the_bound_into_within_noise():
    # 8 % apart, bound 5 %; half-widths 3 and 4 make the difference's 5: within noise.
    r = row(MetricKind.THROUGHPUT, Estimate(108.0, 3.0), Estimate(100.0, 4.0))
    assert r.verdict is Agreement.WITHIN_NOISE and not r.failed and r.imprecise is False
    r = row(MetricKind.THROUGHPUT, Estimate(111.0, 3.0), Estimate(100.0, 4.0))
    assert r.verdict is Agreement.DISAGREE
    # A half-width alone past the bound: the row is flagged imprecise.
    assert row(MetricKind.THROUGHPUT, Estimate(100.0, 6.0), Estimate(100.0)).imprecise


def test_a_missing_figure_never_agrees():
    assert row(MetricKind.MEAN, Estimate(math.nan), Estimate(0.1)).failed


def test_per_metric_bounds_override_the_kind():
    bounds = Bounds(metrics={"tiers.db.utilization": 0.01})
    assert row(
        MetricKind.UTILIZATION, Estimate(0.52), Estimate(0.50), "tiers.db.utilization", bounds
    ).failed
    assert not row(
        MetricKind.UTILIZATION, Estimate(0.52), Estimate(0.50), "tiers.app.utilization", bounds
    ).failed


def test_bounds_from_toml(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text('throughput = 0.1\n[metrics]\n"tiers.db.utilization" = 0.02\n')
    bounds = load_bounds(path)
    assert bounds.throughput == 0.1 and bounds.mean == 0.10
    assert bounds.metrics == {"tiers.db.utilization": 0.02}
    path.write_text("troughput = 0.1\n")
    with pytest.raises(BoundsError, match="troughput: unknown key"):
        load_bounds(path)
    path.write_text("mean = -1\n")
    with pytest.raises(BoundsError, match="mean: must be a number >= 0"):
        load_bounds(path)

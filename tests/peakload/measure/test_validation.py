"""Rows, bounds, verdicts and batch means of ``peakload validate``."""

import math

import numpy as np
import pytest
from scipy import stats

from peakload.measure.stats import Outcome
from peakload.measure.validation import (
    Bounds,
    BoundsError,
    Estimate,
    Kind,
    Verdict,
    batch_means,
    batch_summaries,
    failing_metrics,
    figures,
    half_width,
    judge,
    judged_transactions,
    load_bounds,
    measured_estimates,
    replication_estimates,
)


def row(kind, predicted, measured, metric="m", bounds=None):
    return judge(1.0, metric, kind, predicted, measured, bounds or Bounds())


def test_a_relative_bound_is_a_fraction_of_the_measurement():
    assert row(Kind.THROUGHPUT, Estimate(104.9), Estimate(100.0)).verdict is Verdict.AGREE
    assert row(Kind.THROUGHPUT, Estimate(105.1), Estimate(100.0)).verdict is Verdict.DISAGREE
    r = row(Kind.THROUGHPUT, Estimate(94.0), Estimate(100.0))
    assert r.failed and r.error == pytest.approx(-0.06) and r.bound == pytest.approx(5.0)


def test_utilization_and_share_bounds_are_points():
    assert row(Kind.UTILIZATION, Estimate(0.549), Estimate(0.50)).verdict is Verdict.AGREE
    r = row(Kind.UTILIZATION, Estimate(0.56), Estimate(0.50))
    assert r.failed and r.error == pytest.approx(0.06)
    assert row(Kind.SHARE, Estimate(0.139), Estimate(0.13)).verdict is Verdict.AGREE
    assert row(Kind.SHARE, Estimate(0.145), Estimate(0.13)).failed


def test_latency_bounds_have_an_absolute_floor():
    # 10 % of 20 ms is 2 ms; the 5 ms floor lets 24 ms agree, not 26 ms.
    assert row(Kind.MEAN, Estimate(0.024), Estimate(0.020)).verdict is Verdict.AGREE
    assert row(Kind.MEAN, Estimate(0.026), Estimate(0.020)).failed
    no_floor = Bounds(latency_floor_s=0.0)
    assert row(Kind.MEAN, Estimate(0.024), Estimate(0.020), bounds=no_floor).failed
    # Above 50 ms the relative bound is the larger: p95 15 % of 1 s.
    assert row(Kind.P95, Estimate(1.14), Estimate(1.0)).verdict is Verdict.AGREE
    assert row(Kind.P95, Estimate(1.16), Estimate(1.0)).failed


def test_noise_from_both_intervals_widens_the_bound_into_within_noise():
    # 8 % apart, bound 5 %; half-widths 3 and 4 make the difference's 5: within noise.
    r = row(Kind.THROUGHPUT, Estimate(108.0, 3.0), Estimate(100.0, 4.0))
    assert r.verdict is Verdict.WITHIN_NOISE and not r.failed and r.imprecise is False
    r = row(Kind.THROUGHPUT, Estimate(111.0, 3.0), Estimate(100.0, 4.0))
    assert r.verdict is Verdict.DISAGREE
    # A half-width alone past the bound: the row is flagged imprecise.
    assert row(Kind.THROUGHPUT, Estimate(100.0, 6.0), Estimate(100.0)).imprecise


def test_a_missing_figure_never_agrees():
    assert row(Kind.MEAN, Estimate(math.nan), Estimate(0.1)).failed


def test_per_metric_bounds_override_the_kind():
    bounds = Bounds(metrics={"tiers.db.utilization": 0.01})
    assert row(
        Kind.UTILIZATION, Estimate(0.52), Estimate(0.50), "tiers.db.utilization", bounds
    ).failed
    assert not row(
        Kind.UTILIZATION, Estimate(0.52), Estimate(0.50), "tiers.app.utilization", bounds
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


def test_half_width_is_student_t():
    values = [1.0, 2.0, 3.0, 4.0]
    expected = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2.0
    assert half_width(values) == pytest.approx(expected)
    assert math.isnan(half_width([1.0]))


def test_batch_means_average_consecutive_bins():
    assert batch_means(np.arange(20.0), batches=4) == [2.0, 7.0, 12.0, 17.0]
    assert batch_means(np.array([1.0, np.nan, 3.0]), batches=10) == [1.0, 3.0]
    assert batch_means(np.array([])) == []


def summary(counts, means, throughput=10.0, tiers=None):
    return {
        "overall": {
            "throughput_rps": throughput,
            "mean_s": 0.1,
            "p95_s": 0.2,
            "requests": sum(counts.values()),
        },
        "transactions": {
            n: {"count": c, "mean_s": means[n], "p95_s": 2 * means[n]} for n, c in counts.items()
        },
        "tiers": tiers or {},
    }


def test_figures_and_shares_of_judged_transactions():
    s = summary(
        {"a": 750, "b": 250, "c": 10},
        {"a": 0.1, "b": 0.2, "c": 0.3},
        tiers={"db": {"utilization": 0.4, "mean_response_s": 0.01}},
    )
    judged = judged_transactions(s, minimum=100)
    assert judged == ["a", "b"]
    f = figures(s, judged)
    assert f["transactions.a.share"] == (Kind.SHARE, pytest.approx(750 / 1010))
    assert "transactions.c.mean_s" not in f
    assert f["tiers.db.utilization"] == (Kind.UTILIZATION, 0.4)


def test_replication_estimates_are_means_with_half_widths():
    reps = [summary({"a": 100}, {"a": m}, throughput=t) for m, t in ((0.1, 9.0), (0.3, 11.0))]
    est = replication_estimates(reps, ["a"])
    assert est["transactions.a.mean_s"].value == pytest.approx(0.2)
    assert est["overall.throughput_rps"].ci95 == pytest.approx(half_width([9.0, 11.0]))


def test_measured_batches_cut_the_window_and_rate_per_wall_second():
    rng = np.random.default_rng(1)
    end = np.sort(rng.uniform(0, 100, 2000))
    response = rng.exponential(0.1, 2000)
    outcome = np.full(2000, int(Outcome.OK))
    txn = rng.integers(0, 2, 2000)
    batches = batch_summaries(end, response, outcome, txn, ["a", "b"], (0.0, 100.0), 10.0, 5)
    assert len(batches) == 5
    assert sum(b["overall"]["requests"] for b in batches) == 2000
    # Clock window 100 s, wall 10 s (compressed x10): ~200 req per wall second.
    assert np.mean([b["overall"]["throughput_rps"] for b in batches]) == pytest.approx(200.0)
    whole = summary(
        {"a": 1000, "b": 1000},
        {"a": 0.1, "b": 0.1},
        throughput=200.0,
        tiers={"db": {"utilization": 0.5, "mean_response_s": 0.01}},
    )
    est = measured_estimates(whole, ["a", "b"], batches, {"db": {"utilization": [0.4, 0.6]}})
    assert est["overall.throughput_rps"].value == 200.0
    assert est["overall.throughput_rps"].ci95 > 0
    assert est["tiers.db.utilization"].ci95 == pytest.approx(half_width([0.4, 0.6]))
    assert math.isnan(est["tiers.db.mean_response_s"].ci95)  # no batches of it


def test_failing_names_each_metric_once():
    bad = row(Kind.UTILIZATION, Estimate(0.9), Estimate(0.5), "tiers.db.utilization")
    good = row(Kind.UTILIZATION, Estimate(0.5), Estimate(0.5), "tiers.app.utilization")
    assert failing_metrics([bad, good, bad]) == ["tiers.db.utilization"]

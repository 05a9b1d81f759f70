"""Figures: batch means, the judged figures and shares, replication and measured estimates."""

import math

import numpy as np
import pytest

from peakload.measure.busy_control import BusyControl, BusyWindow
from peakload.measure.sketch import LogHistogram
from peakload.measure.stats import Outcome, half_width
from peakload.measure.validation import (
    Estimate,
    MetricKind,
    batch_means,
    batch_summaries,
    failing_metrics,
    figures,
    judged_transactions,
    measured_estimates,
    replication_estimates,
    with_pooled_quantiles,
)
from peakload.measure.window_sketches import WindowSketches
from tests.peakload.measure.validation.builders import row, summary


def test_batch_means_average_consecutive_bins():
    assert batch_means(np.arange(20.0), batches=4) == [2.0, 7.0, 12.0, 17.0]
    assert batch_means(np.array([1.0, np.nan, 3.0]), batches=10) == [1.0, 3.0]
    assert batch_means(np.array([])) == []


def test_figures_and_shares_of_judged_transactions():
    s = summary(
        {"a": 750, "b": 250, "c": 10},
        {"a": 0.1, "b": 0.2, "c": 0.3},
        tiers={"db": {"utilization": 0.4, "mean_response_s": 0.01}},
    )
    judged = judged_transactions(s, minimum=100)
    assert judged == ["a", "b"]
    f = figures(s, judged)
    assert f["transactions.a.share"] == (MetricKind.SHARE, pytest.approx(750 / 1010))
    assert "transactions.c.mean_s" not in f
    assert f["tiers.db.utilization"] == (MetricKind.UTILIZATION, 0.4)


def test_a_delay_tier_has_no_utilization_row_but_keeps_its_response():
    tiers = {
        "network": {"servers": 0, "utilization": None, "mean_response_s": 0.006},
        "app": {"servers": 8, "utilization": 0.5, "mean_response_s": 0.05},
    }
    f = figures(summary({"a": 100}, {"a": 0.1}, tiers=tiers), ["a"])
    assert "tiers.network.utilization" not in f
    assert f["tiers.network.mean_response_s"] == (MetricKind.MEAN, 0.006)
    assert f["tiers.app.utilization"] == (MetricKind.UTILIZATION, 0.5)


def test_a_tier_measured_from_the_os_has_a_utilization_row_and_no_response_row():
    # What a load test's summary gives a tier whose busy time is a process group's CPU
    # (--busy-time process source): utilization, but no completions, so no response.
    tiers = {
        "stack": {"servers": 40, "utilization": 0.56, "throughput_rps": 0.0,
                  "mean_wait_s": 0.0, "mean_response_s": 0.0},
        "pooled": {"utilization": 0.5, "mean_response_s": None},
    }  # fmt: skip
    f = figures(summary({"a": 100}, {"a": 0.1}, tiers=tiers), ["a"])
    assert f["tiers.stack.utilization"] == (MetricKind.UTILIZATION, 0.56)
    assert "tiers.stack.mean_response_s" not in f
    assert "tiers.pooled.mean_response_s" not in f and "tiers.pooled.utilization" in f


def test_replication_estimates_are_means_with_half_widths():
    reps = [summary({"a": 100}, {"a": m}, throughput=t) for m, t in ((0.1, 9.0), (0.3, 11.0))]
    est = replication_estimates(reps, ["a"])
    assert est["transactions.a.mean_s"].value == pytest.approx(0.2)
    assert est["overall.throughput_rps"].ci95 == pytest.approx(half_width([9.0, 11.0]))


def test_a_predicted_percentile_is_that_of_the_pooled_replications_its_width_kept():
    predicted = {
        "overall.p95_s": Estimate(0.222, 0.015),
        "transactions.a.p95_s": Estimate(0.5, 0.04),
        "transactions.a.mean_s": Estimate(0.07, 0.002),
    }
    sketches = WindowSketches(
        LogHistogram().add(np.linspace(0.001, 0.2, 1001)),
        {"a": LogHistogram(), "b": LogHistogram().add(np.array([1.0]))},
    )
    pooled = with_pooled_quantiles(predicted, sketches)
    assert pooled["overall.p95_s"].value == pytest.approx(0.19005, rel=0.006)
    assert pooled["overall.p95_s"].ci95 == 0.015
    assert pooled["transactions.a.p95_s"] == predicted["transactions.a.p95_s"]  # none pooled
    assert pooled["transactions.a.mean_s"] == predicted["transactions.a.mean_s"]
    assert set(pooled) == set(predicted)
    assert with_pooled_quantiles(predicted, None) is predicted


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
    # An open workload (no thinks logged) whose server counted its draws: the draws'
    # luck leaves the utilization, the count's own noise stays in its interval.
    drawn = BusyWindow(busy_s=50.0, deviation_s=2.5, requests=2000, per_request=[0.025] * 5)
    open_loop = measured_estimates(
        whole,
        ["a", "b"],
        batches,
        {"db": {"utilization": [0.4, 0.6]}},
        None,
        {"db": BusyControl([drawn])},
    )
    count = est["overall.throughput_rps"]
    assert open_loop["overall.throughput_rps"] == count
    assert open_loop["tiers.db.utilization"].value == pytest.approx(0.5 * 47.5 / 50.0)
    assert open_loop["tiers.db.utilization"].ci95 == pytest.approx(
        0.5 * 47.5 / 50.0 * count.ci95 / count.value
    )


def test_failing_names_each_metric_once():
    bad = row(MetricKind.UTILIZATION, Estimate(0.9), Estimate(0.5), "tiers.db.utilization")
    good = row(MetricKind.UTILIZATION, Estimate(0.5), Estimate(0.5), "tiers.app.utilization")
    assert failing_metrics([bad, good, bad]) == ["tiers.db.utilization"]


# --- the failure drill's rows -------------------------------------------------------

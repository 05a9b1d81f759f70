"""Rows, bounds, verdicts and batch means of ``peakload validate``."""

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
from peakload.measure.stats import Outcome, half_width
from peakload.measure.validation import (
    Agreement,
    Bounds,
    BoundsError,
    Estimate,
    MetricKind,
    OutsideTimes,
    PredictionBasis,
    ValidationVerdict,
    batch_means,
    batch_summaries,
    compare_level,
    failing_metrics,
    figures,
    judge_row,
    judged_transactions,
    load_bounds,
    matters,
    measured_estimates,
    replication_estimates,
    verdict,
)


def row(kind, predicted, measured, metric="m", bounds=None):
    return judge_row(1.0, metric, kind, predicted, measured, bounds or Bounds())


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
    assert row(MetricKind.SHARE, Estimate(0.145), Estimate(0.13)).failed


def queue_only(predicted, measured, bounds=None):
    return judge_row(
        1.0,
        "transactions.t.mean_s",
        MetricKind.MEAN,
        predicted,
        measured,
        bounds or Bounds(),
        PredictionBasis.QUEUE_ONLY,
    )


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
    bad = row(MetricKind.UTILIZATION, Estimate(0.9), Estimate(0.5), "tiers.db.utilization")
    good = row(MetricKind.UTILIZATION, Estimate(0.5), Estimate(0.5), "tiers.app.utilization")
    assert failing_metrics([bad, good, bad]) == ["tiers.db.utilization"]


# --- the failure drill's rows -------------------------------------------------------

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


def test_a_row_is_decisive_when_its_noise_is_within_half_its_bound():
    # Throughput 100/s, bound 5/s. Noise sqrt(2^2 + 1.5^2) = 2.5: exactly half the bound.
    r = row(MetricKind.THROUGHPUT, Estimate(101.0, 2.0), Estimate(100.0, 1.5))
    assert r.decisive and r.detectable == pytest.approx(7.5)
    # Noise 4 (< the bound, so not "imprecise") still could not catch a miss of 1.5x.
    loose = row(MetricKind.THROUGHPUT, Estimate(101.0, 4.0), Estimate(100.0))
    assert not loose.decisive and not loose.imprecise
    # A side with no interval decides nothing, however close the figures.
    assert not row(MetricKind.THROUGHPUT, Estimate(100.0), Estimate(100.0, 0.1)).decisive
    strict = Bounds(decisive=0.25)
    assert not row(
        MetricKind.THROUGHPUT, Estimate(101.0, 2.0), Estimate(100.0, 1.5), bounds=strict
    ).decisive


def test_the_rows_that_matter_are_throughput_queue_utilizations_and_heavy_means():
    shares = {"sign": 0.14, "close": 0.001}
    assert matters("overall.throughput_rps", shares)
    assert matters("tiers.db.utilization", shares)
    assert not matters("tiers.network.utilization", shares, delay_tiers=["network"])
    assert matters("transactions.sign.mean_s", shares)
    assert not matters("transactions.sign.p95_s", shares)
    assert not matters("transactions.close.mean_s", shares)
    assert not matters("tiers.db.mean_response_s", shares)
    assert not matters("overall.mean_s", shares)


def test_the_verdict_is_inconclusive_when_a_row_that_matters_is_not_decisive():
    decisive = judge_row(
        1.0, "m", MetricKind.THROUGHPUT, Estimate(100.0, 1.0), Estimate(100.0, 1.0), Bounds()
    )
    loose = judge_row(
        1.0,
        "overall.throughput_rps",
        MetricKind.THROUGHPUT,
        Estimate(100.0, 4.0),
        Estimate(100.0, 4.0),
        Bounds(),
        matters=True,
    )
    wrong = row(MetricKind.THROUGHPUT, Estimate(120.0, 1.0), Estimate(100.0, 1.0))
    assert verdict([decisive]) is ValidationVerdict.PASS
    assert verdict([decisive, loose]) is ValidationVerdict.INCONCLUSIVE
    assert verdict([decisive, loose, wrong]) is ValidationVerdict.FAIL
    # A loose row that does not matter does not hold the verdict back.
    spare = row(MetricKind.THROUGHPUT, Estimate(100.0, 4.0), Estimate(100.0, 4.0))
    assert verdict([decisive, spare]) is ValidationVerdict.PASS


def test_the_servers_outside_time_is_added_to_a_transactions_latencies_only():
    predicted = {
        "transactions.t.mean_s": Estimate(0.020, 0.001),
        "transactions.t.p95_s": Estimate(0.050, 0.002),
        "tiers.db.mean_response_s": Estimate(0.004, 0.0001),
        "transactions.u.mean_s": Estimate(0.030, 0.001),
    }
    measured = {
        "transactions.t.mean_s": Estimate(0.026, 0.001),
        "transactions.t.p95_s": Estimate(0.056, 0.002),
        "tiers.db.mean_response_s": Estimate(0.004, 0.0001),
        "transactions.u.mean_s": Estimate(0.038, 0.001),
    }
    kinds = {
        "transactions.t.mean_s": MetricKind.MEAN,
        "transactions.t.p95_s": MetricKind.P95,
        "tiers.db.mean_response_s": MetricKind.MEAN,
        "transactions.u.mean_s": MetricKind.MEAN,
    }
    outside = OutsideTimes({"t": 0.006}, overall=0.006)
    rows = {
        r.metric: r
        for r in compare_level(1.0, predicted, measured, kinds, Bounds(), {"t": 0.5}, (), outside)
    }
    mean = rows["transactions.t.mean_s"]
    assert mean.basis is PredictionBasis.PLUS_OUTSIDE
    assert mean.predicted.value == pytest.approx(0.026) and mean.model_value == pytest.approx(0.02)
    assert mean.verdict is Agreement.AGREE and mean.matters
    assert rows["transactions.t.p95_s"].predicted.value == pytest.approx(0.056)
    assert rows["tiers.db.mean_response_s"].basis is PredictionBasis.MODEL
    # No outside figure for u: queue time only, its bound the floor (named so).
    u = rows["transactions.u.mean_s"]
    assert u.basis is PredictionBasis.QUEUE_ONLY and u.bound == pytest.approx(0.005)
    assert u.failed  # 8 ms off: past the 5 ms floor and its 1.4 ms of noise
    # A model with a delay tier predicts the outside time itself: nothing is added.
    delay = compare_level(1.0, predicted, measured, kinds, Bounds(), {}, ("network",), outside)
    (t,) = [r for r in delay if r.metric == "transactions.t.mean_s"]
    assert t.basis is PredictionBasis.DELAY_TIER and t.predicted.value == pytest.approx(0.02)
    assert t.bound == pytest.approx(0.0026) and t.failed

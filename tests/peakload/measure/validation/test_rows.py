"""Rows that matter, decisiveness and the verdict; the server's outside time."""

import pytest

from peakload.measure.validation import (
    Agreement,
    Bounds,
    Estimate,
    MetricKind,
    OutsideTimes,
    PredictionBasis,
    ValidationVerdict,
    compare_level,
    judge_row,
    matters,
    verdict,
)
from tests.peakload.measure.validation.builders import row


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


def test_a_calibrated_models_demand_intervals_widen_its_prediction_in_quadrature():
    # Utilization 69.8 % predicted (replications +-0.24 points) against 77.2 +-1.4
    # measured: 7.4 points off, past the 5-point bound and 1.4 points of noise.
    measured = Estimate(0.772, 0.014)
    exact = row(MetricKind.UTILIZATION, Estimate(0.698, 0.0024), measured)
    assert exact.failed
    # The calibration's demands known to +-4.9 % move it by +-3.4 points: within noise.
    calibrated = Estimate(0.698, 0.0024).with_input(0.049 * 0.698)
    assert calibrated.ci95 == pytest.approx((0.0024**2 + (0.049 * 0.698) ** 2) ** 0.5)
    widened = row(MetricKind.UTILIZATION, calibrated, measured)
    assert widened.verdict is Agreement.WITHIN_NOISE and not widened.decisive
    assert widened.record().predicted_input_ci95 == pytest.approx(0.049 * 0.698)
    # A model with no calibration keeps its own interval, and the record says none.
    assert Estimate(0.698, 0.0024).with_input(float("nan")) == Estimate(0.698, 0.0024)
    # A saturating interval decides nothing.
    assert not row(
        MetricKind.UTILIZATION, Estimate(0.698, 0.0024).with_input(float("inf")), measured
    ).decisive


def test_a_lopsided_demand_interval_judges_a_measurement_by_the_side_it_falls_on():
    # A mean of 10 ms whose demands' draws reach 6 ms below and 14 ms above it (a core
    # near saturation: 1 / (1 - U) bends up). A measurement of 25 ms is 15 ms over: past
    # the 10 % bound (2.5 ms) and the symmetric 10 ms, within the upper side's 14 ms.
    lopsided = Estimate(0.010, 0.0005).with_input(0.010, 0.006, 0.014)
    assert lopsided.ci95 == pytest.approx((0.0005**2 + 0.010**2) ** 0.5)
    assert lopsided.toward(0.025) == pytest.approx((0.0005**2 + 0.014**2) ** 0.5)
    assert lopsided.toward(0.005) == pytest.approx((0.0005**2 + 0.006**2) ** 0.5)
    slow = Estimate(0.025, 0.001)
    symmetric = row(MetricKind.MEAN, Estimate(0.010, 0.0005).with_input(0.010), slow)
    assert symmetric.failed
    judged = row(MetricKind.MEAN, lopsided, slow)
    assert judged.verdict is Agreement.WITHIN_NOISE, judged
    assert judged.record().predicted_input_above == pytest.approx(0.014)
    assert judged.record().predicted_input_below == pytest.approx(0.006)
    # Below the prediction the lower side judges: 3.5 ms under is past the bound (10 % of
    # 6.5 ms) and within the lower side's 6 ms; 7.5 ms under (at 2.5 ms) is past both.
    assert row(MetricKind.MEAN, lopsided, Estimate(0.0065, 0.0002)).verdict is (
        Agreement.WITHIN_NOISE
    )
    assert row(MetricKind.MEAN, lopsided, Estimate(0.0025, 0.0001)).failed

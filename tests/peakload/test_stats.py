import numpy as np
import pytest

from peakload.measure.stats import (
    Outcome,
    controlled,
    half_width,
    max_by_bin,
    mean_by_bin,
    mser5,
    request_series,
    request_summary,
    sustained_peak,
)


def test_mser5_cuts_an_obvious_transient():
    rng = np.random.default_rng(1)
    transient = np.linspace(20.0, 1.0, 1000)
    steady = rng.normal(1.0, 0.1, 20_000)
    cut = mser5(np.concatenate([transient, steady]))
    assert 900 <= cut <= 1100
    assert cut % 5 == 0


def test_mser5_keeps_a_series_without_transient():
    steady = np.random.default_rng(2).normal(1.0, 0.1, 20_000)
    assert mser5(steady) < 500  # noise alone moves the cut by little


def test_mser5_never_drops_more_than_half():
    rising = np.arange(10_000, dtype=float)
    assert mser5(rising) <= 5_000


def test_request_summary_counts_the_window_by_answer_time():
    end = np.array([1.0, 2.0, 3.0, 9.0, 11.0])
    response = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    outcome = np.array([Outcome.OK, Outcome.TIMEOUT, Outcome.OK, Outcome.REFUSED, Outcome.OK])
    txn = np.array([0, 1, 0, 1, 0])
    overall, per_txn = request_summary(end, response, outcome, txn, ["a", "b"], (0.0, 10.0))
    assert overall["requests"] == 4  # the one answered at 11.0 is outside
    assert overall["throughput_rps"] == pytest.approx(0.4)
    assert overall["error_rate"] == pytest.approx(0.5)
    assert (overall["timeouts"], overall["refusals"]) == (1, 1)
    assert per_txn["a"]["count"] == 2 and per_txn["b"]["errors"] == 2
    assert per_txn["a"]["mean_s"] == pytest.approx(0.2)
    # A compressed clock: rates are per wall second.
    overall, _ = request_summary(end, response, outcome, txn, ["a", "b"], (0.0, 10.0), 2.0)
    assert overall["throughput_rps"] == pytest.approx(2.0)


def test_series_and_bins():
    edges = np.array([0.0, 60.0, 120.0])
    series = request_series(
        np.array([10.0, 20.0, 70.0]), np.array([1.0, 3.0, 2.0]), np.array([0, 1, 0]), edges
    )
    assert list(series["requests"]) == [2.0, 1.0]
    assert series["mean_s"][0] == pytest.approx(2.0)
    assert series["error_rate"][0] == pytest.approx(0.5)
    times = np.array([5.0, 50.0, 65.0])
    assert list(mean_by_bin(times, np.array([1.0, 3.0, 8.0]), edges)) == [2.0, 8.0]
    assert list(max_by_bin(times, np.array([1.0, 3.0, 8.0]), edges)) == [3.0, 8.0]
    assert np.isnan(max_by_bin(times, np.ones(3), np.array([200.0, 260.0]))[0])


def test_sustained_peak_ignores_a_one_second_spike_but_not_a_held_core():
    spike = np.array([30.0, 35.0, 102.0, 30.0, 32.0, 31.0, 29.0])
    held = np.array([30.0, 95.0, 96.0, 94.0, 97.0, 93.0, 30.0])
    assert sustained_peak(spike, 5) == pytest.approx((35 + 102 + 30 + 32 + 31) / 5)
    assert sustained_peak(spike, 5) < 90.0 <= sustained_peak(held, 5)
    assert sustained_peak(spike[:3], 5) == 102.0  # too short to average: the maximum
    assert sustained_peak(np.array([]), 5) == 0.0


def test_half_width_is_students_t_over_the_finite_values():
    from scipy import stats

    values = [1.0, 2.0, 3.0, 4.0]
    expected = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2.0
    assert half_width(values) == pytest.approx(expected)
    assert half_width([1.0, 2.0, 3.0]) == pytest.approx(4.302653 / 3**0.5, rel=1e-5)
    assert half_width([*values, float("nan"), float("inf")]) == pytest.approx(expected)


@pytest.mark.parametrize("values", [[], [5.0], [5.0, float("nan")]])
def test_half_width_of_fewer_than_two_values_is_unknown_not_zero(values):
    import math

    assert math.isnan(half_width(values))  # 0 would claim an exact figure


def test_a_controlled_mean_keeps_the_mean_and_loses_the_draws_spread():
    """Responses = drawn demand + 0.01 s: less each draw's deviation from the demand's
    mean, every batch's mean is the mean demand + 0.01 (no spread left), while the raw
    batches' means spread; percentiles stay those of the responses."""
    rng = np.random.default_rng(7)
    mean_s, n = 0.05, 20_000
    drawn = rng.exponential(mean_s, n)
    response = drawn + 0.01
    deviation = drawn - mean_s
    end = np.sort(rng.uniform(0.0, 100.0, n))
    outcome = np.zeros(n, dtype=int)
    txn = np.zeros(n, dtype=int)
    raw, controlled_batches = [], []
    for lo in range(0, 100, 10):
        window = (float(lo), float(lo + 10))
        _, plain = request_summary(end, response, outcome, txn, ["a"], window)
        _, held = request_summary(end, response, outcome, txn, ["a"], window, None, deviation)
        raw.append(plain["a"]["mean_s"])
        controlled_batches.append(held["a"]["mean_s"])
        assert held["a"]["p95_s"] == plain["a"]["p95_s"]
    assert np.ptp(controlled_batches) < 1e-12
    assert controlled_batches[0] == pytest.approx(mean_s + 0.01)
    assert np.ptp(raw) > 1e-3  # the draws' luck, which the control took out
    # A deviation the server did not give (NaN) leaves its response as it was.
    unknown = np.full(n, np.nan)
    _, kept = request_summary(end, response, outcome, txn, ["a"], (0.0, 100.0), None, unknown)
    assert kept["a"]["mean_s"] == pytest.approx(response.mean())
    assert controlled(response[:2], np.array([np.nan, 0.02])) == pytest.approx(
        [response[0], response[1] - 0.02]
    )

"""The utilization-law regression recovers known demands, and its interval covers them."""

from __future__ import annotations

import numpy as np
import pytest

from peakload.measure.calibration import utilization_law
from tests.peakload.measure.calibration.synthetic import synthetic_windows


def test_fit_recovers_known_demands_when_the_mix_varies():
    rng = np.random.default_rng(7)
    truth = rng.uniform(0.005, 0.08, size=(6, 3))
    windows = synthetic_windows(truth, rng, windows=600, rate=40.0)
    fit = utilization_law.fit(windows.completions, windows.busy)
    error = np.abs(fit.demands - truth) / truth
    assert np.median(error) < 0.05, error
    assert error.max() < 0.35, error
    assert np.all(fit.r2 > 0.9)


def test_bootstrap_interval_covers_most_true_demands():
    rng = np.random.default_rng(8)
    truth = rng.uniform(0.005, 0.08, size=(6, 3))
    windows = synthetic_windows(truth, rng, windows=400, rate=40.0)
    lo, hi = utilization_law.interval(
        utilization_law.demand_draws(
            utilization_law.bootstrap(windows.completions, windows.busy, rng, replicates=200)
        )
    )
    inside = (lo <= truth) & (truth <= hi)
    assert inside.mean() >= 0.8
    assert np.all(hi > lo)


def test_routes_keep_a_tier_to_the_transactions_that_visit_it():
    rng = np.random.default_rng(9)
    truth = np.array([[0.01, 0.0], [0.02, 0.05], [0.03, 0.0]])
    windows = synthetic_windows(truth, rng, windows=300)
    routes = truth > 0
    fit = utilization_law.fit(windows.completions, windows.busy, routes)
    assert np.all(fit.demands[~routes] == 0)
    assert abs(fit.demands[1, 1] - 0.05) / 0.05 < 0.1


def test_fit_is_non_negative_even_where_least_squares_would_go_below_zero():
    rng = np.random.default_rng(10)
    truth = np.array([[0.05], [0.0001], [0.04]])
    windows = synthetic_windows(truth, rng, windows=60, rate=10.0)
    fit = utilization_law.fit(windows.completions, windows.busy)
    unconstrained = np.linalg.lstsq(windows.completions, windows.busy, rcond=None)[0]
    assert np.all(fit.demands >= 0)
    assert fit.demands.shape == unconstrained.shape


def test_condition_number_is_large_for_collinear_columns():
    rng = np.random.default_rng(11)
    base = rng.poisson(20, size=(100, 1)).astype(float)
    collinear = np.hstack([base, 2 * base, rng.poisson(20, size=(100, 1))])
    independent = rng.poisson(20, size=(100, 3)).astype(float) * rng.uniform(0.2, 2, (100, 3))
    assert utilization_law.condition_number(collinear) > 1e6
    assert utilization_law.condition_number(independent) < 50


def test_a_cpu_tiers_background_is_fitted_apart_from_the_demands():
    # Tier k0 is a CPU 3 % busy with no request (0.15 s of every 5 s window) beside its
    # requests' demands; k1 has no background. Fitted without the term, k0's demands
    # take the background in; with it, they and the background come out as they are.
    rng = np.random.default_rng(12)
    truth = rng.uniform(0.002, 0.006, size=(4, 2))
    windows = synthetic_windows(truth, rng, windows=400, rate=20.0)
    seconds = windows.end - windows.start
    busy = windows.busy + np.outer(seconds, [0.03, 0.0])
    background = utilization_law.Background(np.array([True, False]), seconds)
    plain = utilization_law.fit(windows.completions, busy)
    fitted = utilization_law.fit(windows.completions, busy, background=background)
    assert fitted.background[0] == pytest.approx(0.03, abs=0.006)
    assert fitted.background[1] == 0.0  # not asked for
    share = windows.completions.sum(axis=0) / windows.completions.sum()
    mix = share @ truth[:, 0]  # the mix's demand at k0
    assert share @ fitted.demands[:, 0] == pytest.approx(mix, rel=0.03)
    assert share @ plain.demands[:, 0] > 1.1 * mix  # the background spread over them
    assert np.allclose(fitted.demands[:, 1], plain.demands[:, 1])  # k1 untouched
    # the bootstrap draws it too, and its interval covers the truth
    fits = utilization_law.bootstrap(
        windows.completions, busy, rng, replicates=100, background=background
    )
    low, high = np.percentile([f.background[0] for f in fits], [2.5, 97.5])
    assert low <= 0.03 <= high and high - low < 0.02

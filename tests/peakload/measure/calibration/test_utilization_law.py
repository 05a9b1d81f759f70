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


def _tour(rng: np.random.Generator, truth: np.ndarray, runs: int, shared_sd: float):
    """Windows of 2 s from ``runs`` runs, each running a mix of its own (as --plan's
    phases do); every run's busy time moves as a whole by a normal offset of
    ``shared_sd`` busy seconds per second, on top of each window's own noise."""
    per_run, seconds = 12, 2.0
    mixes = rng.dirichlet(np.full(truth.shape[0], 0.3), size=runs)
    completions = rng.poisson(30.0 * seconds * np.repeat(mixes, per_run, axis=0)).astype(float)
    run = np.repeat(np.arange(runs), per_run)
    offsets = rng.normal(0.0, shared_sd, size=(runs, truth.shape[1]))
    noise = rng.normal(0.0, 0.01, size=(len(run), truth.shape[1]))  # the window's own
    busy = completions @ truth + (offsets[run] + noise) * seconds
    return completions, busy, run, np.full(len(run), seconds)


def test_the_runs_own_variation_is_measured_when_there_are_runs_to_spare():
    rng = np.random.default_rng(31)
    truth = np.array([[0.004], [0.010], [0.007]])
    completions, busy, run, seconds = _tour(rng, truth, runs=40, shared_sd=0.02)
    routes = np.ones(truth.shape, dtype=bool)
    fitted = utilization_law.fit(completions, busy, routes)
    noise = utilization_law.phase_noise(completions, fitted, run, seconds, routes)
    assert noise is not None and noise.count == 40
    assert 0.013 < noise.sd[0] < 0.03, noise.sd  # 0.02, from 37 degrees of freedom
    calm = utilization_law.fit(completions, completions @ truth, routes)  # no noise at all
    quiet = utilization_law.phase_noise(completions, calm, run, seconds, routes)
    assert quiet is not None and quiet.sd[0] < 1e-9
    few = run % 4  # four runs for three demands: one to spare, too few to say
    assert utilization_law.phase_noise(completions, fitted, few, seconds, routes) is None


def _speed_tour(rng: np.random.Generator, truth: np.ndarray, runs: int, window_sd: float):
    """Windows of 2 s from ``runs`` runs, each of a mix and a load (1x to 4x) of its own;
    the busy time is each run's work times a speed drawn with an sd of 10 %, plus each
    window's own noise of ``window_sd`` busy seconds per second."""
    per_run, seconds = 12, 2.0
    mixes = rng.dirichlet(np.full(truth.shape[0], 0.3), size=runs)
    load = np.repeat(rng.uniform(1.0, 4.0, size=runs), per_run)  # 30 to 120 completions/s
    run = np.repeat(np.arange(runs), per_run)
    completions = rng.poisson(30.0 * seconds * load[:, None] * np.repeat(mixes, per_run, axis=0))
    completions = completions.astype(float)
    speed = 1.0 + rng.normal(0.0, 0.1, size=runs)
    noise = rng.normal(0.0, window_sd, size=(len(run), truth.shape[1])) * seconds
    return completions, completions @ truth, speed[run, None], noise, run


def test_the_runs_speed_is_their_offsets_over_their_own_busy_time():
    """The offsets in busy seconds grow with the load; over the runs' own fitted busy
    time they give the speed's sd back, and the windows' own noise is not taken for one."""
    rng = np.random.default_rng(7)
    truth = np.array([[0.004], [0.010], [0.007]])
    completions, work, speed, noise, run = _speed_tour(rng, truth, runs=60, window_sd=0.005)
    routes = np.ones(truth.shape, dtype=bool)
    lengths = np.full(len(run), 2.0)
    fitted = utilization_law.fit(completions, work * speed + noise, routes)
    found = utilization_law.phase_noise(completions, fitted, run, lengths, routes)
    assert found is not None
    assert 0.075 < found.speed_sd[0] < 0.125, found.speed_sd  # 0.1, from 57 spare runs
    # Windows noisy enough that their runs' means move by ~5 % of the work, and no speed:
    # the noise is taken out (without that, this would come out near 0.05).
    _, _, _, loud, _ = _speed_tour(np.random.default_rng(8), truth, runs=60, window_sd=0.3)
    quiet = utilization_law.fit(completions, work + loud, routes)
    calm = utilization_law.phase_noise(completions, quiet, run, lengths, routes)
    assert calm is not None and calm.speed_sd[0] < 0.02, calm.speed_sd


def test_a_tiers_speed_is_measured_over_the_runs_that_worked_it():
    """A second tier only the third transaction visits, which half the runs never send:
    its speed comes from the runs that worked it; with two such runs, too few for its one
    demand and two to spare, it is not measured (NaN), rather than measured as none."""
    rng = np.random.default_rng(9)
    truth = np.array([[0.004, 0.0], [0.010, 0.0], [0.007, 0.02]])
    completions, work, speed, noise, run = _speed_tour(rng, truth, runs=60, window_sd=0.005)
    completions[run % 2 == 1, 2] = 0.0  # odd runs never send the third transaction
    work = completions @ truth
    routes = truth > 0
    lengths = np.full(len(run), 2.0)
    fitted = utilization_law.fit(completions, work * speed + noise, routes)
    found = utilization_law.phase_noise(completions, fitted, run, lengths, routes)
    assert found is not None
    # 0.1, from 29 spare runs whose work at the tier differs a hundredfold (the mixes):
    # over 40 seeds the 5th to 95th percentiles were 0.060 and 0.146, the median 0.090
    assert 0.05 < found.speed_sd[1] < 0.16, found.speed_sd
    completions[run >= 4, 2] = 0.0  # only runs 0 and 2 send it now
    work = completions @ truth
    fitted = utilization_law.fit(completions, work * speed + noise, routes)
    few = utilization_law.phase_noise(completions, fitted, run, lengths, routes)
    assert few is not None and np.isnan(few.speed_sd[1]) and few.speed_sd[0] > 0.05


def test_intervals_that_draw_the_runs_variation_cover_what_the_windows_alone_miss():
    """Demands pinned by differences between runs carry each run's offset whole; the
    windows' bootstrap cannot see it and covers the truth far less than 95 %."""
    truth = np.array([[0.004], [0.010], [0.007]])
    routes = np.ones(truth.shape, dtype=bool)
    covered = {"windows": 0, "runs": 0}
    for seed in range(30):
        rng = np.random.default_rng(100 + seed)
        completions, busy, run, seconds = _tour(rng, truth, runs=12, shared_sd=0.02)
        fitted = utilization_law.fit(completions, busy, routes)
        noise = utilization_law.phase_noise(completions, fitted, run, seconds, routes)
        for kind, drawn in (("windows", None), ("runs", noise)):
            fits = utilization_law.bootstrap(completions, busy, rng, 100, routes, noise=drawn)
            lo, hi = utilization_law.interval(utilization_law.demand_draws(fits))
            covered[kind] += int(((lo <= truth) & (truth <= hi)).sum())
    total = 30 * truth.size
    assert covered["runs"] >= 0.85 * total, covered
    assert covered["windows"] <= 0.7 * total, covered


def test_a_cpu_is_fitted_on_its_windows_at_load_where_they_are_told_apart():
    # A CPU whose requests each pay w = 0.5 ms of waking the core when they find it idle,
    # with probability 1 - U: U = (b + X (d + w)) / (1 + X w), concave in the load X
    # (the real-work stack's pattern). Each run starts with a quarter of its load. A
    # line fitted on every window is a secant from idle to load, steeper than the curve
    # at load, and a level beyond the tour's load comes out too busy; fitted on the
    # windows at load it is the curve's tangent there, and errs less. The other
    # tier, no CPU, is fitted on every window as before.
    rng = np.random.default_rng(41)
    truth = np.array([[0.0020, 0.001], [0.0035, 0.002], [0.0025, 0.001]])
    background, wake = 0.02, 0.0005
    runs, per_run, seconds = 30, 10, 2.0
    run = np.repeat(np.arange(runs), per_run)
    low = np.tile(np.arange(per_run) < 3, runs)
    mixes = rng.dirichlet(np.full(3, 0.5), size=runs)
    rate = np.where(low, 25.0, 100.0)[:, None] * seconds * mixes[run]
    completions = rng.poisson(rate).astype(float)
    per_second = completions / seconds

    def cpu(per_second: np.ndarray) -> np.ndarray:
        load = per_second.sum(axis=-1)
        return (background + per_second @ truth[:, 0] + load * wake) / (1 + load * wake)

    busy = np.column_stack([cpu(per_second), per_second @ truth[:, 1]]) * seconds
    busy += rng.normal(0.0, 0.002, busy.shape) * seconds
    width = np.full(len(run), seconds)
    everywhere = utilization_law.Background(np.array([True, False]), width)
    at_load = utilization_law.Background(np.array([True, False]), width, ~low)
    routes = np.ones(truth.shape, dtype=bool)
    plain = utilization_law.fit(completions, busy, routes, everywhere)
    loaded = utilization_law.fit(completions, busy, routes, at_load)
    held_out = 280.0 * completions[~low].sum(axis=0) / completions[~low].sum()  # req/s
    true_busy = cpu(held_out)
    assert 0.6 < true_busy < 0.9
    plain_error = plain.background[0] + held_out @ plain.demands[:, 0] - true_busy
    loaded_error = loaded.background[0] + held_out @ loaded.demands[:, 0] - true_busy
    assert plain_error > 0.04  # the secant's
    assert 0.0 < loaded_error < plain_error - 0.01  # high still, the curve being concave
    assert loaded.background[0] > plain.background[0]  # the tangent's intercept is higher
    assert np.all(loaded.residuals[low, 0] == 0.0)  # not fitted there
    assert np.any(loaded.residuals[low, 1] != 0.0)  # the other tier is, everywhere
    assert np.allclose(loaded.demands[:, 1], plain.demands[:, 1])
    # the runs' variation is measured over the windows each tier was fitted on
    noise = utilization_law.phase_noise(completions, loaded, run, width, routes, at_load)
    assert noise is not None and noise.measured.all()
    assert np.isfinite(noise.speed_sd).all()

"""How much the demands vary, measured at low load and written into the calibrated model.

The fake runs draw every demand as a gamma of one cv (``fake_run(cv=...)``) with the
model's means; the model's priors have cvs of their own (ci-smoke: exponentials, a
lognormal of cv 1.5, a gamma of 0.8), so the measured factor on them is, per
transaction, ``cv sqrt(sum D^2) / sqrt(sum (cv_prior D)^2)``."""

from __future__ import annotations

import numpy as np
import pytest

from peakload.app.calibrate.job import calibrate
from peakload.app.calibrate.options import CalibrateOptions
from peakload.core.distributions import Exponential, Gamma
from peakload.core.scenario_file import load_scenario
from tests.peakload.app.calibrate.fake_runs import fake_run
from tests.peakload.app.calibrate.truth import CI_SMOKE


def _calibrated(tmp_path, cv: float, told: bool, seed: int, shapes: bool = True):
    run = tmp_path / "run"
    run.mkdir(parents=True)
    fake_run(
        run, CI_SMOKE, np.random.default_rng(seed), seconds=600, rate=40.0, cv=cv,
        told_draws=told,
    )  # fmt: skip
    options = CalibrateOptions(
        CI_SMOKE, runs=(run,), out=tmp_path, replicates=100, demand_spread=shapes
    )
    return calibrate(options)


def _true_scale(cv: float) -> dict[str, float]:
    """Per transaction, the factor on its priors' cvs that gives its demands' variance."""
    out = {}
    for t in load_scenario(CI_SMOKE).transactions:
        means = np.array([float(d.mean) for d in t.demand.values()])
        priors = np.array([d.cv for d in t.demand.values()])
        out[t.name] = cv * np.sqrt((means**2).sum()) / np.sqrt(((priors * means) ** 2).sum())
    return out


def _assert_priors_kept(calibrated_path, names=None) -> None:
    """Every demand of ``names`` (all transactions when None) has its prior's kind and
    cv in the calibrated model (the delay tier aside)."""
    prior, calibrated = load_scenario(CI_SMOKE), load_scenario(calibrated_path)
    for t in calibrated.transactions:
        if names is not None and t.name not in names:
            continue
        for tier, demand in t.demand.items():
            if tier != "outside":
                was = prior.transaction(t.name).demand[tier]
                assert type(demand) is type(was) and demand.cv == pytest.approx(was.cv)


@pytest.mark.parametrize("cv", [0.4, 1.0])
def test_the_spread_of_the_draws_the_responses_reported_is_recovered(tmp_path, cv):
    done = _calibrated(tmp_path, cv, told=True, seed=31)
    spread, truth = done.report.spread, _true_scale(cv)
    kept = {n for n, row in done.report.demands.items() if any(e.keeps_prior for e in row.values())}
    assert set(spread) == set(truth) - kept  # a demand the fit did not measure: no spread
    assert len(spread) >= len(truth) - 2
    assert all(s.drawn for s in spread.values())
    inside = [s.ci95[0] <= truth[name] <= s.ci95[1] for name, s in spread.items()]
    assert sum(inside) >= len(inside) - 1, spread  # 95 % intervals: one miss at most
    errors = [abs(s.scale - truth[name]) / truth[name] for name, s in spread.items()]
    assert np.median(errors) < 0.1, spread


def test_the_responses_own_spread_bounds_the_demands_from_above(tmp_path):
    """Without the draws, the responses' spread: here the time outside is fixed and
    nothing waits, so the bound is tight; and it is said to be a bound."""
    done = _calibrated(tmp_path, 0.4, told=False, seed=32)
    spread, truth = done.report.spread, _true_scale(0.4)
    assert not any(s.drawn for s in spread.values())
    ratios = [s.scale / truth[name] for name, s in spread.items()]
    assert 0.9 < np.median(ratios) < 1.25, spread
    assert "an upper bound" in done.calibrated_path.read_text()


def test_the_calibrated_model_multiplies_the_priors_cvs_unless_told_to_keep_them(tmp_path):
    prior = load_scenario(CI_SMOKE)
    done = _calibrated(tmp_path / "spread", 0.4, told=True, seed=33)
    calibrated = load_scenario(done.calibrated_path)
    for name, s in done.report.spread.items():
        for tier, demand in calibrated.transaction(name).demand.items():
            if tier == "outside":
                continue
            was = prior.transaction(name).demand[tier]
            # an exponential becomes the gamma of the factor; a gamma or a lognormal
            # keeps its kind, its cv times the factor (the priors' shapes kept)
            kind = Gamma if isinstance(was, Exponential) else type(was)
            assert isinstance(demand, kind), (name, tier, demand)
            assert not s.ci95[0] <= 1 <= s.ci95[1], s  # the truth's 0.4 contradicts them
            assert demand.cv == pytest.approx(max(was.cv * s.scale, 0.01), abs=0.001)
    assert "# spread: the priors' cv times" in done.calibrated_path.read_text()

    kept = _calibrated(tmp_path / "prior", 0.4, told=True, seed=33, shapes=False)
    assert kept.report.spread  # measured and reported all the same
    _assert_priors_kept(kept.calibrated_path)
    assert "# spread:" not in kept.calibrated_path.read_text()


def test_a_spread_whose_interval_holds_the_priors_leaves_them_as_they_are(tmp_path):
    """Demands drawn with the priors' own shapes (cv 1 at the exponentials): the
    factors' intervals hold 1, and the calibrated model keeps every prior's shape."""
    done = _calibrated(tmp_path, 1.0, told=True, seed=35)
    holding = [name for name, s in done.report.spread.items() if s.ci95[0] <= 1 <= s.ci95[1]]
    assert len(holding) >= len(done.report.spread) // 2, done.report.spread
    _assert_priors_kept(done.calibrated_path, set(holding))


def test_a_bound_from_the_responses_only_ever_lowers_a_priors_spread(tmp_path):
    """Demands of cv 2 without the draws: the responses' spread is above every prior's,
    so the bound says nothing and the priors stand."""
    done = _calibrated(tmp_path, 2.0, told=False, seed=34)
    assert all(s.scale > 1 and not s.drawn for s in done.report.spread.values())
    _assert_priors_kept(done.calibrated_path)

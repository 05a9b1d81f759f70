"""How much the demands vary, measured at low load and written into the calibrated model."""

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


@pytest.mark.parametrize("cv", [0.4, 1.0])
def test_the_spread_of_the_draws_the_responses_reported_is_recovered(tmp_path, cv):
    done = _calibrated(tmp_path, cv, told=True, seed=31)
    spread = done.report.spread
    assert set(spread) == {t.name for t in load_scenario(CI_SMOKE).transactions}
    assert all(s.drawn for s in spread.values())
    inside = [s.ci95[0] <= cv <= s.ci95[1] for s in spread.values()]
    assert sum(inside) >= len(inside) - 1, spread  # 95 % intervals: one miss at most
    assert np.median([abs(s.cv - cv) for s in spread.values()]) < 0.1 * cv, spread


def test_the_responses_own_spread_bounds_the_demands_from_above(tmp_path):
    """Without the draws, the responses' spread: here the time outside is fixed and
    nothing waits, so the bound is tight; and it is said to be a bound."""
    done = _calibrated(tmp_path, 0.4, told=False, seed=32)
    spread = done.report.spread
    assert not any(s.drawn for s in spread.values())
    estimates = [s.cv for s in spread.values()]
    assert 0.36 < np.median(estimates) < 0.5, spread
    assert "an upper bound" in done.calibrated_path.read_text()


def test_the_calibrated_model_carries_the_spread_unless_told_to_keep_the_priors(tmp_path):
    prior = load_scenario(CI_SMOKE)
    done = _calibrated(tmp_path / "spread", 0.4, told=True, seed=33)
    calibrated = load_scenario(done.calibrated_path)
    shaped = 0
    for name, s in done.report.spread.items():
        for tier, demand in calibrated.transaction(name).demand.items():
            if tier == "outside":
                continue
            was = prior.transaction(name).demand[tier]
            # an exponential becomes the gamma of the measured cv; a gamma or a
            # lognormal keeps its kind and takes that cv
            kind = Gamma if isinstance(was, Exponential) else type(was)
            assert isinstance(demand, kind), (name, tier, demand)
            assert demand.cv == pytest.approx(s.cv, abs=0.001)
            shaped += 1
    assert shaped >= len(done.report.spread)
    assert "# spread: its demands' cv" in done.calibrated_path.read_text()

    kept = _calibrated(tmp_path / "prior", 0.4, told=True, seed=33, shapes=False)
    assert kept.report.spread  # measured and reported all the same
    calibrated = load_scenario(kept.calibrated_path)
    for t in calibrated.transactions:
        for tier, demand in t.demand.items():
            if tier != "outside":
                was = prior.transaction(t.name).demand[tier]
                assert type(demand) is type(was) and demand.cv == pytest.approx(was.cv)
    assert "# spread:" not in kept.calibrated_path.read_text()

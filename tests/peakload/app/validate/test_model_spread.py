"""The model's spread between windows of a transaction's mean: what validate plans a
mean row's window by, beside its pilot's batch means."""

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import t as student_t

from peakload.app.validate.budget import needed_windows
from peakload.app.validate.model_spread import controlled_spread, model_window
from peakload.app.validate.plateau import Plateau
from peakload.app.validate.prediction import Context
from peakload.app.validate.run import LevelResult, ValidateOptions
from peakload.measure.precision import measured_target
from peakload.measure.validation import Bounds, Estimate, MetricKind, judge_row
from tests.factories import exponential, station_scenario

DEMAND_S = 0.05
SCENARIO = station_scenario(
    [{"name": "db", "instances": 1, "workers": 4}], {"db": exponential(DEMAND_S)}, rate=20.0
)


def replications(queueing_sd: float, requests: int, count: int, seed: int = 5):
    """Replication means: a queueing part that moves between windows and the mean of
    ``requests`` exponential draws, each replication's own."""
    rng = np.random.default_rng(seed)
    queue = rng.normal(0.07, queueing_sd, count) if queueing_sd else np.full(count, 0.07)
    draws = rng.exponential(DEMAND_S, (count, requests)).mean(axis=1)
    return list(queue + draws), [float(requests)] * count


def test_the_draws_share_is_taken_off_and_the_queueings_left():
    means, counts = replications(0.006, 200, 400)
    raw = float(np.std(means, ddof=1))
    spread = controlled_spread(means, counts, SCENARIO, "job")
    assert raw > 1.1 * 0.006  # the draws add sqrt(0.05^2 / 200) = 0.0035 in quadrature
    assert spread == pytest.approx(0.006, rel=0.12)
    # draws alone: nothing is left to plan by (up to the variance estimate's own noise)
    means, counts = replications(0.0, 200, 400)
    assert controlled_spread(means, counts, SCENARIO, "job") < 0.0015
    raw = float(np.std(means, ddof=1))
    assert controlled_spread(means, counts, SCENARIO, "job", draws_out=False) == raw


def test_too_few_replications_or_an_unknown_transaction_give_no_spread():
    means, counts = replications(0.006, 200, 9)
    assert math.isnan(controlled_spread(means, counts, SCENARIO, "job"))
    means, counts = replications(0.006, 200, 40)
    assert math.isnan(controlled_spread(means, counts, SCENARIO, "no_such"))
    assert model_window(math.nan, 0.003, 60.0) == 0.0


def test_the_window_a_mean_needs_grows_as_the_square_of_its_spread_times_t():
    # a 60 s window spreading by 6 ms, for a 6 ms half-width: about 250 s, cut into
    # 30 batches of 6 s (level_batches), whose t(29) the half-width is taken with
    t29 = float(student_t.ppf(0.975, 29))
    assert model_window(0.006, 0.006, 60.0) == pytest.approx(60.0 * t29**2)
    assert model_window(0.012, 0.006, 60.0) == pytest.approx(4 * 60.0 * t29**2)
    assert model_window(0.001, 0.006, 60.0) == 60.0  # already met


def test_a_mean_row_is_planned_by_the_longer_of_its_pilot_and_the_model():
    bounds = Bounds()
    mean = judge_row(
        1.0,
        "transactions.job.mean_s",
        MetricKind.MEAN,
        Estimate(0.12, 0.001),
        Estimate(0.12, 0.009),
        bounds,
        matters=True,
    )
    means, counts = replications(0.012, 200, 100)
    figures = [
        {"job": SimpleNamespace(mean_s=m, count=n)} for m, n in zip(means, counts, strict=True)
    ]
    simulation = SimpleNamespace(
        result=SimpleNamespace(
            replications=[SimpleNamespace(transactions=f) for f in figures],
            summary=SimpleNamespace(window_s=[0.0, 600.0]),
        )
    )
    plateau = Plateau(1.0, 20.0, Path("p.toml"), 30.0, 60.0, 20.0)
    plan = SimpleNamespace(setup_s=10.0, compress=10.0)  # a replication's window: 60 wall s
    level = LevelResult(plateau, plan, simulation, None, [mean])
    options = ValidateOptions("unused.toml")
    target = measured_target(mean.bound, 0.001, bounds.decisive)
    pilot_only = 60.0 * (0.009 / target) ** 2
    blind = Context(shares={"job": 1.0}, delay_tiers=())
    assert needed_windows(level, bounds, options, blind) == {mean.metric: pytest.approx(pilot_only)}
    seeing = Context(shares={"job": 1.0}, delay_tiers=(), model=SCENARIO)
    level.drawn_share = 1.0  # the mock said every request's draws: its means are controlled
    spread = controlled_spread(means, counts, SCENARIO, "job")
    needed = needed_windows(level, bounds, options, seeing)[mean.metric]
    assert needed == pytest.approx(model_window(spread, target, 60.0))
    assert needed > 2 * pilot_only
    # a real service says no draws: its means keep them, and so does the model's spread
    level.drawn_share = 0.0
    raw = float(np.std(means, ddof=1))
    needed_raw = needed_windows(level, bounds, options, seeing)[mean.metric]
    assert needed_raw == pytest.approx(model_window(raw, target, 60.0))
    assert needed_raw > needed

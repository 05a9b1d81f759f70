"""The throughput's think control on closed loops whose truth is known: N users, each
cycling through an exponential think and a fixed step, counted in a window."""

import math

import numpy as np
import pytest

from peakload.measure.stats import half_width
from peakload.measure.think_control import ThinkControl, user_counts

USERS = 130
THINK_S = 28.0
STEP_S = 0.5
WINDOW = (600.0, 1320.0)  # 12 minutes, after twenty cycles of warm-up
BATCHES = 30
TRUTH = USERS / (THINK_S + STEP_S)  # 4.56 req/s, the response time law


def closed_loop(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each request's end, the deviation of the think before it and its user's rank,
    for USERS users started at random phases: the records a load test of ours keeps."""
    rng = np.random.default_rng(seed)
    ends, deviations, users = [], [], []
    for user in range(USERS):
        thinks = rng.exponential(THINK_S, 80)
        ends.append(np.cumsum(thinks + STEP_S) - rng.uniform(0.0, THINK_S + STEP_S))
        deviations.append(thinks - THINK_S)
        users.append(np.full(80, user))
    return np.concatenate(ends), np.concatenate(deviations), np.concatenate(users)


def estimates(seed: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(plain, controlled): each an estimate of the throughput and its half-width."""
    end, deviation, user = closed_loop(seed)
    wall = WINDOW[1] - WINDOW[0]
    edges = np.linspace(*WINDOW, BATCHES + 1)
    rates = list(np.histogram(end, edges)[0] / (wall / BATCHES))
    plain = float(np.count_nonzero((end >= WINDOW[0]) & (end < WINDOW[1])) / wall)
    counts = user_counts(end, deviation, user, WINDOW, wall)
    assert counts is not None and counts.users == USERS
    return (plain, half_width(rates)), ThinkControl([counts]).estimate(0.0)


def test_the_thinks_luck_leaves_the_throughputs_interval_and_not_its_truth():
    plain, controlled = zip(*(estimates(seed) for seed in range(200)), strict=True)
    values = np.array([v for v, _ in controlled])
    # The spread across runs falls three times and more, and so does the stated one
    assert values.std() < np.std([v for v, _ in plain]) / 3
    assert np.median([w for _, w in controlled]) < np.median([w for _, w in plain]) / 2.5
    # Unbiased: the 200 estimates' mean is the truth within their own noise...
    assert values.mean() == pytest.approx(TRUTH, abs=3 * values.std(ddof=1) / math.sqrt(200))
    # ...and each interval covers the truth about as often as it says (95 %)
    assert sum(abs(v - TRUTH) <= w for v, w in controlled) >= 180


def test_a_slower_shared_server_widens_the_interval_by_the_response_time_law():
    end, deviation, user = closed_loop(1)
    counts = user_counts(end, deviation, user, WINDOW, WINDOW[1] - WINDOW[0])
    control = ThinkControl([counts])
    value, alone = control.estimate(0.0)
    _, shared = control.estimate(0.285)  # the mean step known to within 1 % of a cycle
    assert shared == pytest.approx(math.hypot(alone, value * 0.285 / counts.cycle_s))
    assert counts.cycle_s == pytest.approx(THINK_S + STEP_S, rel=0.05)
    assert math.isnan(control.estimate(math.nan)[1])  # an unknown share: no interval


def test_records_that_do_not_name_users_or_thinks_get_no_control():
    end, deviation, user = closed_loop(2)
    wall = WINDOW[1] - WINDOW[0]
    nameless = np.full(len(end), -1)
    assert user_counts(end, deviation, nameless, WINDOW, wall) is None  # another generator
    no_thinks = np.full(len(end), np.nan)
    assert user_counts(end, no_thinks, user, WINDOW, wall) is None  # an open workload
    few = user < 5
    assert user_counts(end[few], deviation[few], user[few], WINDOW, wall) is None

"""The log-bucket sketch against exact quantiles of the same samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakload.measure.sketch import DEFAULT_ALPHA, LogHistogram

QS = np.array([0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0])


def lognormal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.lognormal(mean=rng.uniform(-5, 2), sigma=rng.uniform(0.1, 2.5), size=n)


def exponential(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.exponential(rng.uniform(0.001, 10), size=n)


def bimodal(rng: np.random.Generator, n: int) -> np.ndarray:
    # fast cache hits and slow database trips, a factor 10 to 1000 apart
    fast = rng.lognormal(np.log(0.005), 0.3, size=n)
    slow = rng.lognormal(np.log(0.005 * rng.uniform(10, 1000)), 0.5, size=n)
    return np.where(rng.random(n) < rng.uniform(0.05, 0.95), fast, slow)


SHAPES = {"lognormal": lognormal, "exponential": exponential, "bimodal": bimodal}
alphas = st.sampled_from([DEFAULT_ALPHA, 0.001, 0.01, 0.05])
sizes = st.integers(min_value=1, max_value=20_000)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def assert_within(sketch: LogHistogram, values: np.ndarray, alpha: float) -> None:
    exact = np.quantile(values, QS)  # numpy's default: linear between the two ranks
    got = sketch.quantiles(QS)
    assert np.all(np.abs(got - exact) <= alpha * exact * (1 + 1e-9)), (got, exact)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@settings(max_examples=40, deadline=None)
@given(alpha=alphas, n=sizes, seed=seeds)
def test_every_quantile_is_within_alpha_of_the_exact_one(shape, alpha, n, seed):
    values = SHAPES[shape](np.random.default_rng(seed), n)
    sketch = LogHistogram(alpha).add(values)
    assert_within(sketch, values, alpha)
    assert sketch.count == n
    assert sketch.mean == pytest.approx(values.mean())


@settings(max_examples=40, deadline=None)
@given(shape=st.sampled_from(sorted(SHAPES)), parts=st.integers(1, 8), n=sizes, seed=seeds)
def test_merged_sketches_equal_one_sketch_of_all_values(shape, parts, n, seed):
    values = SHAPES[shape](np.random.default_rng(seed), n)
    whole = LogHistogram().add(values)
    merged = LogHistogram()
    for chunk in np.array_split(values, parts):  # minutes, replications, workers
        merged.merge(LogHistogram().add(chunk))
    assert merged.count == whole.count and merged.zeros == whole.zeros
    assert np.array_equal(merged.quantiles(QS), whole.quantiles(QS))
    assert_within(merged, values, DEFAULT_ALPHA)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), min_size=1, max_size=300
    ),
    alpha=alphas,
)
def test_any_positive_values(values, alpha):
    array = np.array(values)
    assert_within(LogHistogram(alpha).add(array), array, alpha)


def test_a_value_lands_in_the_bucket_its_log_names():
    sketch = LogHistogram(0.01)
    gamma = sketch.gamma
    assert sketch.index(np.array([gamma**3])).tolist() == [3]  # the upper edge is inside
    assert sketch.index(np.array([gamma**3 * 1.0001])).tolist() == [4]


def test_zeros_count_and_read_back_as_zero():
    sketch = LogHistogram().add(np.array([0.0, 0.0, 0.0, 1.0]))
    assert sketch.quantiles([0.0, 0.5, 1.0]).tolist() == [0.0, 0.0, 1.0]


def test_empty_is_nan_and_bad_input_is_refused():
    assert np.isnan(LogHistogram().quantile(0.95))
    with pytest.raises(ValueError, match="finite values >= 0"):
        LogHistogram().add(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="alpha"):
        LogHistogram().merge(LogHistogram(0.01))
    with pytest.raises(ValueError, match="alpha must be"):
        LogHistogram(1.5)


def test_memory_is_bounded_by_the_range_not_the_count():
    rng = np.random.default_rng(5)
    sketch = LogHistogram()
    for _ in range(20):  # two million response times between ~1 ms and ~100 s
        sketch.add(np.clip(rng.lognormal(np.log(0.2), 1.2, 100_000), 1e-3, 100.0))
    assert sketch.count == 2_000_000
    assert sketch.counts.size <= np.ceil(np.log(1e5) / np.log(sketch.gamma)) + 1

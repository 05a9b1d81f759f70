import numpy as np
import pytest

from simulation.statistics import cumulative_busy, mser5


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


def test_cumulative_busy_integrates_overlapping_intervals():
    starts = np.array([0.0, 1.0])
    ends = np.array([2.0, 3.0])
    at = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    assert cumulative_busy(starts, ends, at) == pytest.approx([0.0, 1.0, 3.0, 4.0, 4.0])

"""Sizing a validation row's data: half-widths shrink as one over the root of the length."""

import math

import pytest

from peakload.measure.precision import MARGIN, measured_target, scaled_length


def test_a_half_width_twice_the_target_needs_four_times_the_length():
    assert scaled_length(2.0, 1.0, 60.0) == pytest.approx(240.0)
    assert scaled_length(0.5, 1.0, 60.0) == 60.0  # already precise: no longer
    assert scaled_length(math.nan, 1.0, 60.0) == math.inf  # no spread known
    assert scaled_length(1.0, 0.0, 60.0) == math.inf


def test_the_measurement_gets_what_the_prediction_leaves_of_the_noise_budget():
    # Bound 5 points, decisive at half of it: a noise of 0.85 x 2.5 = 2.125 to size for.
    assert measured_target(5.0, 0.0, 0.5) == pytest.approx(MARGIN * 2.5)
    # A prediction at a quarter of the bound (1.25) leaves sqrt(2.125^2 - 1.25^2) = 1.72.
    assert measured_target(5.0, 1.25, 0.5) == pytest.approx(math.sqrt(2.125**2 - 1.25**2))
    assert measured_target(5.0, 3.0, 0.5) == 0.0  # the prediction alone is too loose
    assert measured_target(5.0, math.nan, 0.5) == pytest.approx(MARGIN * 2.5)

import numpy as np
import pytest

from peakload.measure.observations import cumulative_busy


def test_cumulative_busy_integrates_overlapping_intervals():
    starts = np.array([0.0, 1.0])
    ends = np.array([2.0, 3.0])
    at = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    assert cumulative_busy(starts, ends, at) == pytest.approx([0.0, 1.0, 3.0, 4.0, 4.0])

"""outside.csv: the server's outside-time counters, and their means over a window."""

import numpy as np
import pytest

from peakload.measure import outside_file


def test_the_mean_outside_time_is_seconds_added_over_requests_added(tmp_path):
    path = tmp_path / outside_file.FILENAME
    wall = [1000.0, 1001.0, 1002.0, 1003.0]
    samples = [
        {"get_payment": (0.0, 0), "sign_payment": (0.0, 0)},
        {"get_payment": (0.4, 100), "sign_payment": (0.5, 50)},
        {"get_payment": (0.8, 200), "sign_payment": (1.0, 100)},
        {"get_payment": (1.2, 300)},
    ]
    outside_file.write(path, wall, samples)
    on_clock = lambda w: (np.asarray(w) - 1000.0) * 10  # noqa: E731  (x10 from clock 0)
    times = outside_file.outside_times(path, on_clock, (10.0, 20.0))
    assert times is not None
    assert times.transactions["get_payment"] == pytest.approx(0.004)
    assert times.transactions["sign_payment"] == pytest.approx(0.010)
    assert times.overall == pytest.approx((0.4 + 0.5) / 150)
    assert times.of("transactions.sign_payment.p95_s") == pytest.approx(0.010)
    assert times.of("overall.mean_s") == pytest.approx(0.006)
    assert outside_file.outside_times(tmp_path / "none.csv", on_clock, (0, 1)) is None

"""A load test's raw files read back: the shape's clock origin without the users."""

from __future__ import annotations

import numpy as np
import pytest

from loadtests.run_files import RAW, RawRunError, read_shape, run_timebase
from peakload.core.clock import parse_clock
from peakload.core.plan import Plan
from tests.loadtests.test_runner import SMOKE


def test_the_timebase_needs_the_shape_log_alone(tmp_path):
    raw = tmp_path / RAW
    raw.mkdir()
    np.savez(
        raw / "shape.npz",
        wall=np.array([1000.5, 1001.5]),
        elapsed=np.array([0.5, 1.5]),
        target=np.array([10.0, 10.0]),
        users=np.array([60.0, 60.0]),
    )
    (raw / "activity-0.npz").write_bytes(b"not a log")  # the users' log, unreadable
    plan = Plan(str(SMOKE), compress=20.0, lead_in="09:00")
    timebase = run_timebase(tmp_path, plan)
    assert timebase.clock(np.array([1000.0]))[0] == pytest.approx(parse_clock("09:00"))
    assert timebase.clock(np.array([1003.0]))[0] == pytest.approx(parse_clock("09:01"))
    with pytest.raises(ValueError):  # the users are read only where they are asked for
        read_shape(tmp_path)


def test_a_run_without_a_shape_log_says_so(tmp_path):
    with pytest.raises(RawRunError, match="no shape log"):
        run_timebase(tmp_path, Plan(str(SMOKE)))

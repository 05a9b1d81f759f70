"""The load test's view of the server's tiers: what their busy seconds are a share of."""

from __future__ import annotations

import pytest

from loadtests.monitor import Samples
from loadtests.summary import tier_counters
from peakload.measure.observations import Timebase


def sample(busy: float, done: int, **capacity: int) -> dict:
    counters = {"completions": done, "busy_seconds": busy, "wait_seconds": 0.0, "refusals": 0}
    return {"busy": 1, "queue": 0, **counters, **capacity}


def test_a_cores_tier_is_a_share_of_its_cores_and_a_slot_tier_of_its_slots():
    # Ten seconds in which each tier used 12 s: 12 CPU seconds of 4 cores is 30 %
    # (not 12 / (8 workers x 10 s)), 12 slot-seconds of 8 slots is 15 %.
    samples = Samples(
        wall=[100.0, 110.0],
        tiers=[
            {
                "app": sample(busy, done, servers=8, lost=0, cores=4),
                "db": sample(busy, done, servers=8),
            }
            for busy, done in ((0.0, 0), (12.0, 600))
        ],
    )
    counters = tier_counters(samples)
    window = (100.0, 110.0)
    app = counters["app"].stats(window, Timebase())
    db = counters["db"].stats(window, Timebase())
    assert app.utilization == pytest.approx(0.30)
    assert db.utilization == pytest.approx(0.15)
    assert app.servers == 4 and db.servers == 8

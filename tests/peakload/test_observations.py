import numpy as np
import pytest

from peakload.measure.observations import TierCounters, TierIntervals, Timebase, cumulative_busy


def test_cumulative_busy_integrates_overlapping_intervals():
    starts = np.array([0.0, 1.0])
    ends = np.array([2.0, 3.0])
    at = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    assert cumulative_busy(starts, ends, at) == pytest.approx([0.0, 1.0, 3.0, 4.0, 4.0])


def test_counters_and_intervals_of_the_same_visits_give_the_same_tier_figures():
    # One server: visits [0, 30) and [40, 50), the second waited 5 s. Seen visit by
    # visit (a simulation) or as counters sampled every second (a load test's server).
    intervals = TierIntervals(
        servers=1,
        arrivals=np.array([0.0, 35.0]),
        waits=np.array([0.0, 5.0]),
        services=np.array([30.0, 10.0]),
        refusals=np.array([]),
        max_queue_by_minute=np.array([1]),
        sample_time=np.arange(60.0),
        in_tier=np.zeros(60),
    )
    wall = np.arange(61.0)
    busy = cumulative_busy(np.array([0.0, 40.0]), np.array([30.0, 50.0]), wall)
    counters = TierCounters(
        servers=1,
        wall=wall,
        completions=(wall >= 30).astype(float) + (wall >= 50),
        busy_seconds=busy,
        wait_seconds=np.clip(wall - 35, 0, 5),
        refusals=np.zeros(61),
        queue=((wall >= 35) & (wall < 40)).astype(float),
    )
    a = intervals.stats((0.0, 60.0), Timebase())
    b = counters.stats((0.0, 60.0), Timebase())
    for figure in ("utilization", "throughput_rps", "mean_wait_s", "mean_response_s"):
        assert getattr(a, figure) == pytest.approx(getattr(b, figure)), figure
    assert a.utilization == pytest.approx(40 / 60)
    assert a.max_queue == b.max_queue == 1

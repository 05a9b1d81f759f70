"""The load test's view of the server's tiers: what their busy seconds are a share of."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from loadtests.monitor import Samples
from loadtests.summary import _counters, tier_counters
from peakload.measure.observations import Timebase


def slots(busy: float, done: int, waited: float) -> dict:
    counters = {"completions": done, "busy_seconds": busy, "wait_seconds": waited, "refusals": 0}
    return {"servers": 8, "lost": 0, "busy": 1, "queue": 0, **counters}


def shared(busy: float, done: int, waited: float, beyond: float, held: float) -> dict:
    """A tier whose 8 workers share 4 cores, as the mock's /admin/stats gives it:
    ``wait_seconds`` beyond the demand, and the workers' side apart."""
    extra = {"cores": 4, "worker_wait_seconds": waited, "held_seconds": held}
    return {**slots(busy, done, beyond), **extra}


def test_a_cores_tier_is_read_as_the_simulator_reports_it():
    # Ten seconds, 600 visits at each tier. The slots held 12 server-seconds of 8: 15 %
    # busy. The shared tier used 12 CPU seconds of its 4 cores, 30 % (not 12 / 80 worker-
    # seconds); its visits waited 1.2 s for a worker and held one 30 s in all (slowed by
    # sharing), so they waited 2 ms and answered in 52 ms, not (1.2 + 12) / 600 = 22 ms.
    samples = Samples(
        wall=[100.0, 110.0],
        tiers=[
            {"app": shared(0, 0, 0, 0, 0), "db": slots(0, 0, 0)},
            {"app": shared(12.0, 600, 1.2, 19.2, 30.0), "db": slots(12.0, 600, 0.6)},
        ],
    )
    counters = tier_counters(samples)
    window = (100.0, 110.0)
    app = counters["app"].stats(window, Timebase())
    db = counters["db"].stats(window, Timebase())
    assert app.servers == 8 and db.servers == 8
    assert app.utilization == pytest.approx(0.30)
    assert db.utilization == pytest.approx(0.15)
    assert app.mean_wait_s == pytest.approx(0.002)
    assert app.mean_response_s == pytest.approx(0.052)
    assert db.mean_response_s == pytest.approx(0.021)  # (0.6 + 12) / 600


def test_a_drill_on_a_cores_tier_reads_the_wait_for_a_worker_and_the_time_held():
    samples = Samples(
        wall=[100.0, 110.0],
        tiers=[{"app": shared(0, 0, 0, 0, 0)}, {"app": shared(12.0, 600, 1.2, 19.2, 30.0)}],
    )
    done, waited, held = _counters(SimpleNamespace(samples=samples), "app", 100.0, 110.0)
    assert (done, waited, held) == (600, 1.2, 30.0)

"""The monitor samples on a fixed schedule, however long a sample takes."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from loadtests import monitor
from loadtests.monitor import Monitor


class FakeClock:
    """Wall and monotonic time that move only when the monitor waits or samples."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now


class FakeStop:
    """The stop event: waiting advances the clock; it fires after ``samples`` waits."""

    def __init__(self, clock: FakeClock, samples: int) -> None:
        self.clock, self.left = clock, samples

    def wait(self, timeout: float) -> bool:
        self.clock.now += timeout
        self.left -= 1
        return self.left < 0


def _walls(monkeypatch: pytest.MonkeyPatch, sample_s: float, samples: int) -> list[float]:
    clock = FakeClock()
    monkeypatch.setattr(
        monitor, "time", SimpleNamespace(monotonic=clock.monotonic, time=clock.time)
    )

    def slow_busy_sampler() -> dict:
        clock.now += sample_s  # the sample's own time: psutil, counters, a busy source
        return {}

    watcher = Monitor([], None, "http://127.0.0.1:1", None, 1.0, slow_busy_sampler)
    watcher._stop_event = FakeStop(clock, samples)  # type: ignore[assignment]
    watcher.run()
    return watcher.samples.wall


def test_samples_stay_one_interval_apart_when_each_takes_a_third_of_one(monkeypatch):
    walls = _walls(monkeypatch, 0.3, 10)
    gaps = [b - a for a, b in itertools.pairwise(walls)]
    assert len(walls) == 10
    assert gaps == pytest.approx([1.0] * 9)  # not 1.3: the wait is to the next due time


def test_a_sample_longer_than_the_interval_skips_ahead_instead_of_bunching(monkeypatch):
    walls = _walls(monkeypatch, 1.5, 4)
    gaps = [b - a for a, b in itertools.pairwise(walls)]
    assert all(gap >= 1.0 for gap in gaps), gaps  # never two samples in a burst

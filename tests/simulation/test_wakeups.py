"""The wake-up calendar fires every wake-up at the float its own Timeout would, and
keeps SimPy's heap to the wake-ups of the next bucket."""

from __future__ import annotations

import gc
from collections.abc import Callable

import numpy as np
import pytest
from simpy import Environment
from simpy.events import Timeout

from simulation.wakeups import WakeCalendar, bucket_width


class Sleeper:
    """A sleeper whose ``wake`` (a method, as a user's is) calls the given callback."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callable[[Timeout], object]):
        self.callback = callback

    def wake(self, event: Timeout) -> None:
        self.callback(event)


def _fired_times(
    delays: list[tuple[float, float]], calendar: bool, start: float, width: float = 1.0
) -> list[tuple[float, int]]:
    """Schedule ``(at, delay)``: at simulated time ``at``, a wake-up ``delay`` later, each
    with a sleeper of its own; the times the wake-ups fired and whose, in firing order."""
    env = Environment(initial_time=start)
    wakeups = WakeCalendar(env, width)
    fired: list[tuple[float, int]] = []

    def ask(delay: float, who: int) -> None:
        sleeper = Sleeper(lambda _e: fired.append((env._now, who)))
        if calendar:
            wakeups.after(delay, sleeper)
        else:
            Timeout(env, delay).callbacks.append(sleeper.wake)

    for who, (at, delay) in enumerate(delays):
        Timeout(env, at - start).callbacks.append(lambda _e, d=delay, w=who: ask(d, w))
    env.run()
    return fired


@pytest.mark.parametrize("width", [1.0, bucket_width(130_000, 280.0), 0.01])
def test_wake_ups_fire_at_the_same_floats_in_the_same_order_as_timeouts(width):
    rng = np.random.default_rng(24)
    start = 25_200.0  # 07:00, as the April day
    at = start + np.sort(rng.uniform(0, 3_600, 2_000))
    delays = rng.lognormal(4.0, 1.0, 2_000)
    delays[::50] = 0.0  # due at once
    delays[1::50] = rng.uniform(0, 1, 40)  # due within the current bucket
    at[-100:] += 20_000  # a quiet stretch with nothing pending before these
    asked = list(zip(at.tolist(), delays.tolist(), strict=True))
    asked += asked[5::100]  # twenty asked twice: two wake-ups due at the very same float
    expected = _fired_times(asked, calendar=False, start=start)
    assert _fired_times(asked, calendar=True, start=start, width=width) == expected
    assert len(expected) == 2_020


def test_a_bucket_holds_a_few_dozen_wake_ups_whatever_the_population():
    # April's peak: 13,000 users thinking 280 s wake 46 times a second.
    assert bucket_width(13_000, 280.0) == 1.0
    assert bucket_width(130_000, 280.0) == pytest.approx(64 * 280 / 130_000)
    assert bucket_width(1_300_000, 280.0) == pytest.approx(64 * 280 / 1_300_000)
    assert bucket_width(1e9, 280.0) == 0.01 and bucket_width(10, 0.5) == 1.0
    assert bucket_width(0, 280.0) == 1.0 and bucket_width(100, 0.0) == 1.0


def test_simpy_heap_holds_only_the_near_wake_ups():
    env = Environment(initial_time=36_000.0)
    wakeups = WakeCalendar(env, width=1.0)
    woken: list[Timeout] = []
    sleeper = Sleeper(woken.append)
    for delay in np.random.default_rng(5).uniform(1, 280, 10_000).tolist():
        wakeups.after(delay, sleeper)
    assert len(env._queue) == 1  # one sweep, however many thinkers
    env.run(until=36_100.0)
    assert len(env._queue) < 100  # the next bucket's wake-ups and the sweep
    env.run()
    assert len(woken) == 10_000


def test_a_waiting_wake_up_adds_no_object_for_the_collector():
    # A sleeper each, as thinking users are: the calendar holds the sleeper itself, not
    # a bound ``wake`` made for the wait (one more object per thinker, cold when it fires).
    env = Environment(initial_time=36_000.0)
    wakeups = WakeCalendar(env, width=1.0)
    sleepers = [Sleeper(lambda _e: None) for _ in range(10_000)]
    delays = np.random.default_rng(6).uniform(1, 280, 10_000).tolist()
    gc.collect()
    before = len(gc.get_objects())
    for delay, sleeper in zip(delays, sleepers, strict=True):
        wakeups.after(delay, sleeper)
    buckets = 280
    assert len(gc.get_objects()) - before <= 3 * buckets + 10  # a pair, an array, a list each

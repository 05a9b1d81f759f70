"""The watchdog expires every open attempt at its deadline, and forgets a finished one
within two sweeps, not a time-out after it began."""

from __future__ import annotations

import weakref

import numpy as np
import pytest
from simpy import Environment
from simpy.events import Timeout

from simulation.deadlines import SWEEP_S, Deadlines


class Attempt:
    """An attempt that finishes after ``takes_s`` (never, if None)."""

    def __init__(self, env: Environment, timeout_s: float, takes_s: float | None):
        self.deadline = env.now + timeout_s
        self.closed = False
        self.expired_at: float | None = None
        self.env = env
        if takes_s is not None:
            Timeout(env, takes_s).callbacks.append(self.finish)

    def finish(self, event: Timeout) -> None:
        self.closed = True

    def expire(self) -> None:
        self.closed = True
        self.expired_at = self.env.now


def _start(env: Environment, deadlines: Deadlines, timeout_s: float, takes_s, into: list):
    attempt = Attempt(env, timeout_s, takes_s)
    deadlines.watch(attempt)
    into.append(attempt)


@pytest.mark.parametrize("start", [100.0, 0.0])  # a day's clock, and a plan's from 0
@pytest.mark.parametrize("timeout_s", [30.0, 1.5, 0.3])
def test_open_attempts_expire_at_their_deadline_and_finished_ones_never(timeout_s, start):
    env = Environment(initial_time=start)
    deadlines = Deadlines(env, horizon=1_000.0, timeout_s=timeout_s)
    attempts: list[Attempt] = []
    for i in range(200):  # every fifth never finishes; the rest take up to 0.8 timeouts
        takes = None if i % 5 == 0 else timeout_s * 0.8 * (i % 7) / 6
        Timeout(env, i * 0.37).callbacks.append(
            lambda _e, t=takes: _start(env, deadlines, timeout_s, t, attempts)
        )
    env.run()
    assert len(attempts) == 200
    for i, attempt in enumerate(attempts):
        if i % 5 == 0:
            assert attempt.expired_at == attempt.deadline  # the very float
        else:
            assert attempt.expired_at is None


def test_a_finished_attempt_is_forgotten_within_two_sweeps():
    env = Environment(initial_time=100.0)
    deadlines = Deadlines(env, horizon=1_000.0, timeout_s=30.0)
    held: list[weakref.ref[Attempt]] = []
    for i in range(1_000):  # 1,000 attempts over 10 s, each done in 0.1 s

        def start(_e: Timeout) -> None:
            attempt = Attempt(env, 30.0, 0.1)
            deadlines.watch(attempt)
            held.append(weakref.ref(attempt))

        Timeout(env, i * 0.01).callbacks.append(start)
    env.run(until=100.0 + 10.0 + 2 * SWEEP_S + 0.01)  # the last ended and was swept
    assert len(held) == 1_000
    assert all(ref() is None for ref in held)  # freed long before their 30 s deadlines


def test_near_midnight_each_expires_at_the_very_float_of_its_deadline():
    # now + (deadline - now) can miss the deadline by a unit in the last place when the
    # clock is under half of it; plans start their clock at 0. One attempt per run, so
    # the watchdog is set from the sweep each time.
    missed = []
    for at in np.random.default_rng(3).uniform(0, 2, 2_000).tolist():
        env = Environment(initial_time=0.0)
        deadlines = Deadlines(env, horizon=1_000.0, timeout_s=30.0)
        attempts: list[Attempt] = []
        Timeout(env, at).callbacks.append(
            lambda _e, e=env, d=deadlines, a=attempts: _start(e, d, 30.0, None, a)
        )
        env.run()
        (attempt,) = attempts
        if attempt.expired_at != attempt.deadline:
            missed.append((at, attempt.expired_at, attempt.deadline))
    assert not missed, missed[:3]

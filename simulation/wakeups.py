"""Thinking users' wake-ups, kept out of SimPy's event heap until they are near.

A closed population spends most of its day thinking: at the April peak 13,000
users wait a mean 280 s each, and only a few dozen requests are in the tiers.
Given one SimPy ``Timeout`` each, the thinkers fill the event heap, and every
event of the run (a service ending, a tick) pays for a pop from a heap of all
of them: ``log2`` of the users in comparisons, each on an entry long out of
the processor's cache. At ten times the users the heap pop was measured at
three times its cost per event (cProfile of the April day from 07:00 to
09:00): the one per-event cost that grew with the population.

:class:`WakeCalendar` is a calendar queue (R. Brown, CACM 31(10), 1988): each
wake-up is appended to the bucket of ``width`` seconds it falls in, a list
append whatever the population; one SimPy event per bucket, at its start,
hands that bucket's wake-ups to SimPy as ordinary ``Timeout`` events. The
heap then holds the requests in flight and the next ``width`` seconds of
wake-ups, not the day's thinkers.

**Same times, same results.** A wake-up fires at the very float it would have
fired at with its own ``Timeout``: it is handed over at ``start`` (>= its
bucket's start ``b x width``) with delay ``time - start``, and SimPy adds it
back. For ``b >= 1`` the wake-up's time is at most twice ``start``, so the
difference is exact (Sterbenz's lemma) and the sum gives ``time`` back; a
wake-up due before the next bucket starts is scheduled at once, as before. So
the events of a seeded run come in the same order, but for two events at the
very same float time (a tie SimPy breaks by scheduling order), which
continuous think times do not make.
"""

from __future__ import annotations

from array import array
from typing import Protocol

from simpy import Environment
from simpy.events import Timeout


class Sleeper(Protocol):
    """Whoever waits for a wake-up: its ``wake`` is called, as a ``Timeout``'s callbacks
    are, with the event. The calendar holds the sleeper, not a bound ``wake``: a bound
    method made when the wait begins would be one more object per thinking user, out
    of the processor's caches by the time it fires (at ten times the April users,
    8 MB of them); made as the bucket is handed over, it lives a bucket's width."""

    def wake(self, event: Timeout) -> None: ...


WAKES_PER_BUCKET = 64.0
"""About how many wake-ups a bucket hands SimPy at once, at the population's peak."""


def bucket_width(peak_users: float, mean_think_s: float) -> float:
    """The bucket width (s) that hands SimPy about :data:`WAKES_PER_BUCKET` wake-ups at a
    time when ``peak_users`` think ``mean_think_s`` on average, between 10 ms and 1 s.

    The heap then holds the same few dozen near wake-ups whatever the population, and
    its pops cost what they cost at 1x: at the April peak (13,000 users thinking 280 s,
    46 wake-ups a second) the width is 1 s; at ten times the users, 0.14 s, where 1 s
    put some 460 wake-ups at a time in the heap; at a hundred times, 14 ms. The sweeps
    cost one event a bucket, a share of the run's events that does not change with the
    population (the wake-ups a bucket holds are fixed).
    """
    if peak_users <= 0 or mean_think_s <= 0:
        return 1.0
    return min(1.0, max(0.01, WAKES_PER_BUCKET * mean_think_s / peak_users))


class WakeCalendar:
    """Wake-ups bucketed by time, handed to SimPy one bucket of ``width`` seconds ahead.

    ``after(delay, sleeper)`` is ``Timeout(env, delay).callbacks.append(sleeper.wake)``
    with the same firing time, for any ``delay >= 0``.
    """

    __slots__ = ("_buckets", "_env", "_pending", "_swept", "_width")

    def __init__(self, env: Environment, width: float = 1.0):
        self._env = env
        self._width = width
        self._buckets: dict[int, tuple[array[float], list[Sleeper]]] = {}
        """Wake-ups not yet handed to SimPy, by bucket number (time // width): their
        times in an ``array('d')`` beside their sleepers, so a wake-up adds no tuple
        or float object to the thousands that wait (at 100x, a million of them)."""
        self._swept = self._bucket(env.now)
        """The last bucket handed over (or the one the run starts in): wake-ups due
        in it or before go to SimPy at once."""
        self._pending = 0
        """Wake-ups held in :attr:`_buckets`; the sweep stops while there are none."""

    def _bucket(self, time: float) -> int:
        return int(time // self._width)

    def after(self, delay: float, sleeper: Sleeper) -> None:
        """Call ``sleeper.wake`` ``delay`` seconds from now (SimPy time)."""
        env = self._env
        now = env._now  # private on purpose: see Request.__init__ (simulation/request.py)
        time = now + delay  # the float a Timeout of this delay fires at
        bucket = self._bucket(time)
        if not self._pending and bucket > self._swept:
            # No sweep is waiting: catch up with the clock after a quiet stretch.
            self._swept = max(self._swept, self._bucket(now))
        if bucket <= self._swept:
            Timeout(env, delay).callbacks.append(sleeper.wake)
            return
        held = self._buckets.get(bucket)
        if held is None:
            self._buckets[bucket] = held = (array("d"), [])
        held[0].append(time)
        held[1].append(sleeper)
        self._pending += 1
        if self._pending == 1:
            self._sleep()

    def _sleep(self) -> None:
        """Wait for the start of the next bucket (one SimPy event)."""
        env = self._env
        start = (self._swept + 1) * self._width
        Timeout(env, max(0.0, start - env._now)).callbacks.append(self._sweep)

    def _sweep(self, event: Timeout) -> None:
        """Hand the bucket starting now to SimPy, in the order its wake-ups were asked for."""
        self._swept += 1
        held = self._buckets.pop(self._swept, None)
        if held is not None:
            env = self._env
            now = env._now
            times, sleepers = held
            for time, sleeper in zip(times, sleepers, strict=True):
                Timeout(env, time - now if time > now else 0.0).callbacks.append(sleeper.wake)
            self._pending -= len(sleepers)
        if self._pending:
            self._sleep()

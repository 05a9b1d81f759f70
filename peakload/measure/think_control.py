"""The measured throughput with the think times' luck taken out: a control variate.

A closed workload's count of requests in a window is mostly its users' think
times' doing. ``N`` users cycling through a think ``Z`` and a step ``R``
complete about ``N T / (Z + R)`` requests in ``T`` seconds, and with ``Z``
drawn from an exponential the count spreads as a Poisson one does: ±5 % (95 %)
over 1,500 requests. That spread is the generator's luck, not the served
system's, and it is what keeps a low level's throughput row undecided.

The generator knows each think it drew. A closed user logs every think as it
starts, with its rank and how far the draw fell from its mean
(``think_deviation``), and every request names its user (``user``,
:mod:`loadtests.closed`). A user whose thinks that started in the window ran
``D`` seconds long in all completed about ``D / c`` fewer requests in it,
``c`` being a user's mean time from one request to its next (``N T / count``).
So each user's count is taken as ``n_u + D_u / c``. A draw is independent of
when its think starts, so the deviations of the thinks that start in any
window have mean zero, stationary or not: the estimate keeps its expectation
and loses the thinks' spread (Lavenberg and Welch, 1981). A wrong model still
disagrees, with a narrower interval.

Why the start and not the end: the thinks that *end* in a window soon after
the users began are the short ones (a long one begun since has not ended
yet), so their deviations are negative on average. On the April day's 0.25
pilot (307 users, 27 s cycles, a 90 s window) counting them by their end put
the throughput 17 % low; by their start the bias is gone
(``tests/peakload/measure/test_think_control.py`` has both cases). The gain
grows with the window: over three cycles a user's count is mostly where the
window's ends fall in its cycle, and the control takes little out; over
twenty-five, the spread falls three times.

**The interval.** What is left of a user's count is where the window's ends
fall in its cycle: one cycle's age at each end, as variable as a whole cycle
for an exponential think. Cut into batches, every batch carries two such ends
of its own while the window's total carries only two, so batch means would
overstate the spread several times. The users, not the batches, are the
replicates: each user's controlled count is independent of the others' as far
as their thinks go, and the spread across users gives the total's
(``N s^2``, Student's t on ``N - 1``). What the users share is the server: a
slower stretch slows them all together. That part is added from the measured
mean response's own batch half-width ``h_R``, through the response-time law
``X = N / c``: ``X h_R / c``. Far from saturation (``R`` much below ``Z``) it is
small; near it, it is most of the interval, as it should be.

On closed loops whose truth is known (``tests/peakload/measure/test_think_control.py``:
130 users, thinks of 28 s, 12 minutes) the controlled estimate spreads 3 to 4
times less than the count across seeds, and its stated interval covers the
truth as often as it says.

Where the records say nothing of thinks (an open workload, another tool's
generator, an older run) the estimate is the plain batch-means one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_USERS = 10
"""Fewer users in a window than this keep the plain estimate: too few replicates."""


@dataclass(frozen=True)
class UserCounts:
    """One window of a closed load test, per user who ended a request in it: its
    requests (``requests``) and its thinks' deviation in seconds (``deviation``);
    ``wall_s`` the window's wall length."""

    requests: np.ndarray
    deviation: np.ndarray
    wall_s: float

    @property
    def users(self) -> int:
        return len(self.requests)

    @property
    def cycle_s(self) -> float:
        """A user's mean wall seconds from one request to its next: ``N T / count``."""
        return self.users * self.wall_s / float(self.requests.sum())

    @property
    def controlled(self) -> np.ndarray:
        """Each user's count with its thinks' luck taken out: ``n_u + D_u / c``."""
        return self.requests + self.deviation / self.cycle_s


@dataclass(frozen=True)
class Thinks:
    """A run's thinks: each one's start (on the window's clock), user and deviation
    from its mean (seconds)."""

    start: np.ndarray
    user: np.ndarray
    deviation: np.ndarray


def user_counts(
    end: np.ndarray,
    user: np.ndarray,
    thinks: Thinks,
    window: tuple[float, float],
    wall_s: float,
) -> UserCounts | None:
    """The window's :class:`UserCounts`: requests by their end and user (``user`` -1
    where unknown), thinks by their start.

    The users are those active in the window: a think of theirs began before its
    end, and a request ended or a think began after its start. A user thinking
    through the whole window counts, with no request. None unless every request
    in the window names its user, some think started in it, and at least
    :data:`MIN_USERS` users were active (not a closed load test of ours, an
    older run)."""
    a, b = window
    inside = (end >= a) & (end < b)
    who = np.asarray(user[inside], dtype=np.int64)
    thinker = np.asarray(thinks.user, dtype=np.int64)
    started = (thinks.start >= a) & (thinks.start < b)
    if (who < 0).any() or not started.any():
        return None
    began = np.unique(thinker[thinks.start < b])
    later = np.union1d(np.asarray(user[end >= a], dtype=np.int64), thinker[thinks.start >= a])
    users = np.union1d(np.intersect1d(began, later), np.union1d(who, thinker[started]))
    if len(users) < MIN_USERS or not len(who):
        return None
    requests = np.searchsorted(users, who)
    own = np.searchsorted(users, thinker[started])
    return UserCounts(
        np.bincount(requests, minlength=len(users)).astype(float),
        np.bincount(own, weights=thinks.deviation[started], minlength=len(users)),
        wall_s,
    )


@dataclass(frozen=True)
class ThinkControl:
    """A level's windows (a pilot and a sized plateau, or one), each as
    :class:`UserCounts`."""

    windows: Sequence[UserCounts]

    def estimate(self, response_half_width: float) -> tuple[float, float]:
        """The throughput (requests per wall second) over all windows with the thinks'
        luck taken out, and its 95 % half-width: the users' spread, and the shared
        server's from ``response_half_width`` (the measured mean response's batch
        half-width, seconds; NaN when unknown, which leaves the interval unknown)."""
        wall = sum(w.wall_s for w in self.windows)
        value = sum(float(w.controlled.sum()) for w in self.windows) / wall
        variance = sum(w.users * float(np.var(w.controlled, ddof=1)) for w in self.windows)
        from scipy.stats import t as student_t  # as in stats.half_width: not at import

        freedom = sum(w.users for w in self.windows) - len(self.windows)
        users = float(student_t.ppf(0.975, freedom)) * math.sqrt(variance) / wall
        cycle = sum(w.cycle_s * w.wall_s for w in self.windows) / wall
        shared = value * response_half_width / cycle
        return value, math.hypot(users, shared)

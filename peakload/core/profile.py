"""A piecewise-linear intraday profile: (clock, value) points, linear in between.

Used for the closed workload's concurrency (users) and the open workload's
arrival rate (requests/s). Before the first point the profile holds the first
value, after the last point the last value, like a LoadTestShape's table.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Profile:
    """A load over the day: ``values[i]`` at ``times[i]``, linear in between."""

    times: tuple[float, ...]
    """Seconds after midnight, strictly increasing."""

    values: tuple[float, ...]
    """The load at each time: users, or requests per second."""

    def at(self, t: float) -> float:
        """The value at ``t`` seconds after midnight."""
        times, values = self.times, self.values
        i = bisect_right(times, t)
        if i == 0:
            return values[0]
        if i == len(times):
            return values[-1]
        t0, t1 = times[i - 1], times[i]
        return values[i - 1] + (values[i] - values[i - 1]) * (t - t0) / (t1 - t0)

    def at_many(self, t: np.ndarray) -> np.ndarray:
        """:meth:`at` for an array of times, vectorised."""
        return np.asarray(np.interp(t, self.times, self.values))

    @property
    def peak(self) -> float:
        """The largest value: the profile is linear between points, so it is a point's."""
        return max(self.values)

    def scaled(self, factor: float) -> Profile:
        """The same profile with every value multiplied by ``factor``."""
        return Profile(self.times, tuple(v * factor for v in self.values))

    def integral(self, start: float, end: float) -> float:
        """The area under the profile between two clock times (user-seconds or requests)."""
        inner = [t for t in self.times if start < t < end]
        xs = np.array([start, *inner, end], dtype=float)
        return float(np.trapezoid(self.at_many(xs), xs))

    def is_constant(self) -> bool:
        """True when the value never changes over the day."""
        return len(set(self.values)) == 1

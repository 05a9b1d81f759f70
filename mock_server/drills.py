"""Failure drills: the scenario's ``[[failures]]`` applied to the mock's tiers.

A failure is written on the *scenario clock* (``10:00`` to ``10:30``), so the
mock needs to know which scenario moment each wall second stands for:

- started by ``peakload loadtest``, it is told the run's mapping, as the plan
  defines it (:mod:`peakload.core.plan`): wall epoch ``origin`` is scenario
  clock ``start_s``, and each wall second is ``compress`` scenario seconds.
  The runner starts the mock before the load generator's sign-in phase, when
  the clock has not started yet: it passes ``start_s`` and ``compress`` at
  start (``PEAKLOAD_CLOCK_START_S``, ``PEAKLOAD_CLOCK_COMPRESS``) and the
  origin once the clock starts (``PUT /admin/clock``, or
  ``PEAKLOAD_CLOCK_ORIGIN`` for a server it restarts). Until then no failure
  is active: the sign-in phase lies before the run's first clock second.
- started alone (``peakload serve``), the scenario clock is the local time of
  day: a drill at 10:00 happens at ten in the morning.

Every ``interval_s`` the drill sets each tier's slots to its nominal size less
the instances lost at that moment (:meth:`Capacity.apply_failures`), as the
simulator resizes its tiers at each failure's start and end.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from mock_server.capacity import Capacity


@dataclass
class ScenarioClock:
    """Wall time -> scenario clock (seconds after midnight)."""

    start_s: float | None = None  # None: the local time of day
    origin: float | None = None  # wall epoch at which the clock reads start_s
    compress: float = 1.0

    def now(self, wall: float | None = None) -> float | None:
        """The scenario clock at ``wall`` (default: now); None before a run's clock starts."""
        wall = time.time() if wall is None else wall
        if self.start_s is None:
            local = time.localtime(wall)
            return local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec + wall % 1
        if self.origin is None:
            return None
        return self.start_s + (wall - self.origin) * self.compress


async def run_drills(capacity: Capacity, clock: ScenarioClock, interval_s: float = 0.1) -> None:
    """Keep the tiers at the size the failures leave them, until cancelled."""
    if capacity.scenario is None or not capacity.scenario.failures:
        return  # nothing to drill: no task wakes the loop
    while True:
        capacity.apply_failures(clock.now())
        await asyncio.sleep(interval_s)

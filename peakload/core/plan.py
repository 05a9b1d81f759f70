"""An experiment plan: the scenario's day mapped onto wall time, for a load test
and for the simulation that predicts that very load test (``simulate --as-run``).

Both engines read the same plan, so a prediction and a measurement of one
experiment compare like with like. The knobs:

- ``compress K`` divides the profile's clock by K, think times unchanged: every
  wall second has the concurrency and request rate of the real moment it
  stands for, the day just passes K times faster. Ramps are K times steeper, so
  sign-ins (one per user start) arrive K times faster than on the real day.
- ``user_scale F`` multiplies users by F and each user's *cycle* (think plus
  step) by F: after a step that took ``S`` wall seconds a virtual user thinks
  ``F * Z - (1 - F) * S`` (:meth:`Plan.scaled_think`, at least 0) for a drawn
  think time ``Z``, so its cycle is ``F * (Z + S)``. ``F * N`` such users send
  the real day's rate, ``N / (Z + S)``, and hold as many requests in flight
  (Little's law), while the generator and the server hold F times fewer
  connections. Scaling the think alone (``F * Z``) would not: the cycle would
  be ``F * Z + S`` and the rate short by ``(1 - F) * S / (F * Z + S)``, 0.8 %
  for April at ``--user-scale 0.1`` (a 28 s think, 0.25 s steps), more as
  responses slow, and every millisecond of generator lag in a step would count
  in full. Sign-ins scale by F.
- ``window`` runs the day up to the window's end and measures only inside it;
  the run starts at ``lead_in`` (default: the scenario's start) so users are
  already signed in when the window opens, as on the real day.

Closed workloads run in two phases (both engines):

1. **Sign-in (setup)**: before the scenario clock starts, the whole pool of
   users the run will ever need (:attr:`Plan.pool_users`, the most users active
   at any moment) signs in, ``sign_in_rate`` users per wall second, each with
   one ``login`` request, and waits *parked*. This takes :attr:`Plan.setup_s`
   wall seconds and lies before the run's first clock second, so outside any
   measurement window. A load test also draws, during setup, each user's first
   entry (below) and sends the steps of that flow *before* the entry step, so
   the user holds the records its entry acts on (a signed order for a
   ``submit_payment`` entry); it starts the clock once the sign-in time has
   passed and every user is ready, so setup can last a little longer than
   :attr:`Plan.setup_s`. None of it is measured: a simulation of the plan may
   leave the preparation out. (Locust spawns the pool rounded up to a
   multiple of its worker processes; users ranked past the pool never work.)
2. **The day**: wall second ``w >= 0`` stands for scenario clock
   ``run_start + compress * w``. Exactly :meth:`Plan.active_users` users are
   active: users ranked below that number (rank = the user's index, dense
   across processes) work, the others are parked. A user that becomes active
   joins **mid-flow**, from the stationary state of a user already working
   (:func:`peakload.core.stationary.stationary_entry`: a flow by weight times
   its length, a step within it, a residual think time), so the request mix at
   any moment is the mix of the real day, whatever the compression. A user
   that becomes surplus parks at once while thinking, or after its request in
   flight, without signing out. Re-activated, it resumes the flow and step
   where it parked after a fresh residual think time: it was parked regardless
   of where it stood, so its place is stationary too, and it keeps the records
   that place needs (no new sign-in, no request made only to rebuild state).

So a compressed ramp costs no burst of sign-ins and no burst of first steps.
The real day itself (an uncompressed ``peakload simulate``) keeps the real
behaviour: users sign in when they join and start at a flow's first step.

A plan travels to every Locust process (master, workers) as JSON in the
``PEAKLOAD_LOADTEST`` environment variable.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from peakload.core.clock import format_clock, format_instant, parse_clock
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from peakload.core.workload import OpenWorkload

ENV = "PEAKLOAD_LOADTEST"


@dataclass(frozen=True)
class Plan:
    """One load test's settings, checked when made; times on the scenario's clock
    are seconds after midnight, wall times seconds since the run began."""

    scenario_path: str
    """The scenario file; every process reads it itself (:attr:`scenario`)."""
    compress: float = 1.0
    """K: the scenario clock runs K times faster than the wall clock."""
    user_scale: float = 1.0
    """F: users and their cycles multiplied by F (the request rate holds, :meth:`scaled_think`)."""
    window: tuple[str, str] | None = None
    """``(from, to)`` clock times to measure in; the run ends at ``to``."""
    lead_in: str | None = None
    """Clock time the run starts at (default: the scenario's start)."""
    duration_s: float | None = None
    """Cut the run after this many wall seconds."""
    seed: int | None = None
    """Seed of the users' random streams (default: the scenario's)."""
    workers: int = 1
    """Locust worker processes generating the load."""
    out_dir: str | None = None
    """Where the Locust processes write their raw records (the runner sets it)."""
    sign_in_rate: float = 200.0
    """Users signed in per wall second during the setup phase (closed workloads)."""
    pool_start: int | None = None
    """Open workloads: pooled users ready at the start (all processes together)."""
    pool_max: int | None = None
    """Open workloads: the pool's cap (``None``: sized from the scenario, pool_size.py)."""
    requests: str | None = None
    """What the users send: a request map (``.toml``) or a tasks module (``.py``), by
    absolute path; ``None``: our mock's API (:mod:`loadtests.actors`)."""
    run_token: str = field(default_factory=lambda: secrets.token_hex(8))
    """Random per plan, the same in every process of its run (it travels in
    :meth:`to_env`): mixed into each Idempotency-Key and ``{uuid}`` a user makes
    (:func:`peakload.core.templates.fresh_uuid`), so a run's writes are its own even
    when an earlier run on the same service had the same seed."""

    def __post_init__(self) -> None:
        if self.compress <= 0:
            raise ValueError(f"--compress must be > 0 (got {self.compress})")
        if self.user_scale <= 0:
            raise ValueError(f"--user-scale must be > 0 (got {self.user_scale})")
        if self.sign_in_rate <= 0:
            raise ValueError(f"--sign-in-rate must be > 0 (got {self.sign_in_rate})")
        if self.duration_s is not None and self.duration_s <= 0:
            raise ValueError(f"--duration must be > 0 (got {self.duration_s})")
        start, end = self.run_start_s, self.run_end_s
        if end <= start:
            raise ValueError(
                f"nothing to run: starts at {format_clock(start)}, ends at {format_clock(end)}"
            )
        self._check_pool()
        lo, hi = self.measure_window_s
        if lo < self.scenario.start_s or hi > self.scenario.end_s:
            raise ValueError(
                f"window {format_clock(lo)}-{format_clock(hi)} lies outside the scenario's "
                f"{self.scenario.scenario.start}-{self.scenario.scenario.end}"
            )

    def _check_pool(self) -> None:
        start, top = self.pool_start, self.pool_max
        if start is None and top is None:
            return
        if not isinstance(self.scenario.workload, OpenWorkload):
            raise ValueError("--pool-start and --pool-max size an open workload's pool")
        for flag, value in (("--pool-start", start), ("--pool-max", top)):
            if value is not None and value < 1:
                raise ValueError(f"{flag} must be >= 1 (got {value})")
        if start is not None and top is not None and top < start:
            raise ValueError(f"--pool-max ({top}) must be >= --pool-start ({start})")

    @cached_property
    def scenario(self) -> Scenario:
        """The scenario, read once per process."""
        return load_scenario(self.scenario_path)

    @property
    def run_seed(self) -> int:
        """The seed in effect: ``seed``, else the scenario's."""
        return self.scenario.scenario.seed if self.seed is None else self.seed

    @property
    def run_start_s(self) -> float:
        """Clock time the run starts at: the lead-in, else the scenario's start."""
        return parse_clock(self.lead_in) if self.lead_in else self.scenario.start_s

    @property
    def run_end_s(self) -> float:
        """Clock time the run ends at: the window's end, else the scenario's end."""
        return parse_clock(self.window[1]) if self.window else self.scenario.end_s

    @property
    def measure_window_s(self) -> tuple[float, float]:
        """Clock times measured in: ``window``, the scenario's window, or the whole run."""
        if self.window:
            return parse_clock(self.window[0]), parse_clock(self.window[1])
        if self.scenario.window_s:
            return self.scenario.window_s
        return self.run_start_s, self.run_end_s

    @property
    def wall_duration_s(self) -> float:
        """Wall seconds the run lasts after setup: the clock span over ``compress``,
        cut at ``duration_s``."""
        full = (self.run_end_s - self.run_start_s) / self.compress
        return min(full, self.duration_s) if self.duration_s else full

    def clock_at(self, wall_s: float) -> float:
        """The scenario clock at ``wall_s`` seconds into the run."""
        return self.run_start_s + wall_s * self.compress

    def wall_at(self, clock_s: float) -> float:
        """Wall seconds into the run at which the scenario clock reads ``clock_s``."""
        return (clock_s - self.run_start_s) / self.compress

    def scaled_think(self, think_s: float, step_s: float) -> float:
        """The wall seconds a virtual user thinks before its next step.

        ``think_s`` is a think time drawn from the scenario (scenario seconds),
        ``step_s`` how long the user's last step took on the wall clock, from its
        send to its final answer (retries included). The think is
        ``F * think_s - (1 - F) * step_s``, at least 0, so that think plus step is
        ``F`` times the real user's cycle (see the module docstring); at ``F = 1``
        it is ``think_s``. At ``F = 0.5`` a drawn 4 s think after a 1 s step
        is 1.5 s: a 2.5 s cycle, half the real user's 5 s. A virtual user that
        (re)joins mid-flow waits ``F`` times a residual think instead: it has no
        step behind it.
        """
        scale = self.user_scale
        return max(0.0, scale * think_s - (1.0 - scale) * step_s)

    def target_users(self, wall_s: float) -> int:
        """Locust users wanted at ``wall_s``: the profile's users x ``user_scale``
        (closed), or one arrival driver per generator process (open)."""
        users = self.scenario.workload.profile.at(self.clock_at(wall_s))
        if isinstance(self.scenario.workload, OpenWorkload):
            return self.workers  # one arrival driver per generator process (arrival_user.py)
        return round(users * self.user_scale)

    def active_users(self, wall_s: float) -> int:
        """Closed workloads: users working at ``wall_s`` (0 during the setup phase,
        ``wall_s < 0``); the rest of the pool is parked."""
        if wall_s < 0:
            return 0
        return round(self.scenario.workload.profile.at(self.clock_at(wall_s)) * self.user_scale)

    @cached_property
    def pool_users(self) -> int:
        """Closed workloads: the users signed in during setup, the most ever active.

        The profile is piecewise linear, so its maximum over the run is at the
        run's ends or at a breakpoint inside it.
        """
        if isinstance(self.scenario.workload, OpenWorkload):
            return 0
        profile = self.scenario.workload.profile
        end = self.run_start_s + self.wall_duration_s * self.compress
        clocks = [self.run_start_s, end]
        clocks += [t for t in profile.times if self.run_start_s < t < end]
        return round(max(profile.at(t) for t in clocks) * self.user_scale)

    @property
    def setup_s(self) -> float:
        """Wall seconds of the sign-in phase before the clock starts (0 for open)."""
        return self.pool_users / self.sign_in_rate

    def summary_section(self) -> dict[str, Any]:
        """The ``plan`` section of a summary, the same for the load test that ran this
        plan and the simulation that predicts it (``simulate --as-run``): enough to
        put the run's wall seconds back on the scenario clock (``run``, ``compress``)
        and to read its scale. Jobs add their own keys beside these (a level's
        warm-up, a load test's ``min_requests``)."""
        return {
            "compress": self.compress,
            "user_scale": self.user_scale,
            "workers": self.workers,
            "run": [format_instant(self.run_start_s), format_instant(self.run_end_s)],
            "wall_duration_s": self.wall_duration_s,
            "pool_users": self.pool_users,
            "sign_in_rate": self.sign_in_rate,
            "setup_s": self.setup_s,
            "seed": self.run_seed,
        }

    def to_env(self) -> str:
        """The plan as JSON, for the ``PEAKLOAD_LOADTEST`` environment variable."""
        data = asdict(self)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """The plan :meth:`to_env` wrote."""
        data = json.loads(text)
        if data.get("window"):
            data["window"] = tuple(data["window"])
        return cls(**data)

    @classmethod
    def from_environment(cls) -> Plan | None:
        """The plan in ``PEAKLOAD_LOADTEST``, or None outside a peakload load test."""
        text = os.environ.get(ENV)
        return cls.from_json(text) if text else None

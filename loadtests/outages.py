"""What a load test does to the mock it started: the seed and the scenario clock it
tells it, and the kills it survives (``peakload loadtest --kill-server-at``).

**The seed.** The mock draws its service times from streams seeded from the run's
seed (:func:`mock_seed`), so runs with different ``--seed`` sample independently.

**The clock.** A ``[[failures]]`` drill is written on the scenario clock, and
only the load generator knows when that clock starts (after the sign-in
phase, :mod:`peakload.core.plan`). The process whose shape starts it writes
the wall epoch of the run's first clock second to ``clock.json`` in the run's
raw directory (:func:`announce_clock`); the runner reads it and tells the mock
(``PUT /admin/clock``, :mod:`mock_server.drills`).

**Kills.** At each ``--kill-server-at`` scenario time the supervisor sends
SIGKILL to the mock (no shutdown, no flush: a crash), waits
``--restart-after`` seconds and starts it again on the same database and
port, with the clock already set. Clients meanwhile see refused or reset
connections and retry with the same Idempotency-Key (``loadtests.accountant``);
reconciliation then shows whether any write was lost or made twice. Each
outage is kept (killed, back, the new PID) for the summary.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from loadtests.ledger import WRITES
from loadtests.mock_process import MockServer
from loadtests.summary import Measurement
from peakload.core.clock import format_clock
from peakload.core.plan import Plan
from peakload.measure.stats import Outcome

CLOCK_FILE = "clock.json"
START_TIMEOUT_S = 120.0
"""A fresh database gets its 92,456 budget units on first start: on PostgreSQL,
on a busy machine, that takes longer than a restart."""


def announce_clock(out_dir: str | None, origin: float) -> None:
    """Record the wall epoch at which the plan's scenario clock reads its run start."""
    if out_dir:
        path = Path(out_dir, CLOCK_FILE)
        if not path.exists():
            path.write_text(json.dumps({"origin": origin}))


def read_clock(out_dir: Path) -> float | None:
    try:
        return float(json.loads((out_dir / CLOCK_FILE).read_text())["origin"])
    except (OSError, ValueError, KeyError):
        return None  # not written yet (or being written)


MOCK_STREAMS = 0x6D6F636B
"""Mixed into the run's seed for the mock's service times ("mock"), so they never
coincide with a stream the users or a simulation of the same seed draw."""


def mock_seed(plan: Plan) -> int:
    """The seed of the mock's service-time streams, derived from the run's seed: a
    rerun with the same ``--seed`` replays the same service times, another seed draws
    others. (A fixed mock seed made every run of a scenario serve the same sample: the
    April signature tier's busy time in the window read the same points low run after
    run, whatever the users' seed.)"""
    return int(np.random.SeedSequence([plan.run_seed, MOCK_STREAMS]).generate_state(1)[0])


def mock_env(plan: Plan, origin: float | None = None) -> dict[str, str]:
    """The mock's settings for ``plan``: its service-time seed (:func:`mock_seed`) and
    the scenario clock, ``PEAKLOAD_CLOCK_*`` (the origin once known)."""
    env = {
        "PEAKLOAD_SEED": str(mock_seed(plan)),
        "PEAKLOAD_CLOCK_START_S": repr(plan.run_start_s),
        "PEAKLOAD_CLOCK_COMPRESS": repr(plan.compress),
    }
    if origin is not None:
        env["PEAKLOAD_CLOCK_ORIGIN"] = repr(origin)
    return env


def put_clock(host: str, token: str, plan: Plan, origin: float) -> bool:
    body = {"origin": origin, "start_s": plan.run_start_s, "compress": plan.compress}
    request = urllib.request.Request(
        f"{host.rstrip('/')}/admin/clock",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Outage:
    """One kill: wall epochs of the SIGKILL and of the restarted server's first answer."""

    killed: float
    back: float | None = None
    pid_killed: int = 0
    pid_back: int | None = None


class MockSupervisor:
    """Keeps the runner's mock: its clock, its scheduled kills and restarts.

    ``start`` makes a :class:`MockServer` with extra environment variables on a
    given port (None: a free one). Call :meth:`poll` often (the runner's loop
    does, see :meth:`due_in`); ``on_restart`` gets each new server's PID.
    """

    def __init__(
        self,
        start: Callable[[dict[str, str], int | None], MockServer],
        plan: Plan,
        raw_dir: Path,
        token: str | None,
        kill_at_s: tuple[float, ...],
        restart_after_s: float,
        on_restart: Callable[[int], None] | None = None,
    ):
        self._start = start
        self.plan = plan
        self.raw_dir = raw_dir
        self.token = token
        self.kills = sorted(kill_at_s)
        self.restart_after_s = restart_after_s
        self.on_restart = on_restart
        self.origin: float | None = None
        self.outages: list[Outage] = []
        self.seeds_served: set[int] = set()  # runs lent this mock (next_run)
        self.mock = start(mock_env(plan), None).wait_ready(START_TIMEOUT_S)

    def next_run(self, plan: Plan, raw_dir: Path) -> None:
        """Keep this mock for another run (one mock lent to a job's runs in a row,
        :func:`loadtests.runner.start_mock`): the clock is the new plan's, set once its
        origin is announced in ``raw_dir``. Counters, database and service-time stream
        run on from the runs before. Kills belong to a run's own mock: none here. A
        run seed is served once: the users draw their choices and think times from it,
        so a second run of that seed would repeat the first's users, not draw its own
        (its Idempotency-Keys would still be its own: Plan.run_token)."""
        if self.kills or (self.outages and self.outages[-1].back is None):
            raise ValueError("a mock with kills scheduled or pending is not lent to runs")
        if plan.run_seed in self.seeds_served:
            raise ValueError(
                f"seed {plan.run_seed} already ran on this mock: the run would repeat that "
                "run's draws; give each run on a shared mock its own seed"
            )
        self.seeds_served.add(plan.run_seed)
        self.plan, self.raw_dir, self.origin, self.outages = plan, raw_dir, None, []

    @property
    def url(self) -> str:
        return self.mock.url

    @property
    def pid(self) -> int:
        return self.mock.pid

    def wall_at(self, clock_s: float) -> float | None:
        if self.origin is None:
            return None
        return self.origin + (clock_s - self.plan.run_start_s) / self.plan.compress

    def due_in(self) -> float:
        """Wall seconds until the next thing to do (at most 0.5)."""
        now = time.time()
        if self.outages and self.outages[-1].back is None:
            return max(0.0, min(0.5, self.outages[-1].killed + self.restart_after_s - now))
        due = self.wall_at(self.kills[0]) if self.kills else None
        return 0.5 if due is None else max(0.0, min(0.5, due - now))

    def poll(self) -> None:
        if self.origin is None:
            self.origin = read_clock(self.raw_dir)
            if self.origin is not None and self.token:
                put_clock(self.mock.url, self.token, self.plan, self.origin)
        now = time.time()
        down = self.outages[-1] if self.outages and self.outages[-1].back is None else None
        if down is not None:
            if now >= down.killed + self.restart_after_s:
                self._restart(down)
            return
        due = self.wall_at(self.kills[0]) if self.kills else None
        if due is not None and now >= due:
            self.kills.pop(0)
            pid = self.mock.pid
            self.mock.kill()
            self.outages.append(Outage(killed=time.time(), pid_killed=pid))

    def _restart(self, outage: Outage) -> None:
        self.mock = self._start(mock_env(self.plan, self.origin), self.mock.port)
        self.mock.wait_ready(START_TIMEOUT_S)
        outage.back = time.time()
        outage.pid_back = self.mock.pid
        if self.on_restart is not None:
            self.on_restart(self.mock.pid)

    def settle(self) -> None:
        """Bring a server still down back (the run ended during an outage)."""
        if self.outages and self.outages[-1].back is None:
            time.sleep(max(0.0, self.outages[-1].killed + self.restart_after_s - time.time()))
            self._restart(self.outages[-1])

    def stop(self) -> None:
        self.mock.stop()


def outage_summary(m: Measurement, outages: list[Outage]) -> list[dict[str, Any]]:
    """Each kill as the clients saw it: what was in flight, what failed until the
    server answered again (on the scenario clock and in wall seconds)."""
    records = m.records
    end = records["end"]
    start = end - records["response"]
    names = [t.name for t in m.plan.scenario.transactions]
    writes = np.isin(records["transaction"], [names.index(n) for n in WRITES if n in names])
    failed = records["outcome"] != int(Outcome.OK)
    rows = []
    for outage in outages:
        back = outage.back if outage.back is not None else outage.killed
        in_flight = (start <= outage.killed) & (end > outage.killed)
        during = (end >= outage.killed) & (end <= back)
        rows.append(
            {
                "from": format_clock(float(m.clock(outage.killed)), with_seconds=True),
                "to": format_clock(float(m.clock(back)), with_seconds=True),
                "down_s": round(back - outage.killed, 3),
                "requests_in_flight": int(in_flight.sum()),
                "writes_in_flight": int((in_flight & writes).sum()),
                "requests_failed": int((failed & (during | in_flight)).sum()),
                "restarted": outage.back is not None,
            }
        )
    return rows


def outage_series(outages: list[Outage], m: Measurement, edges: np.ndarray) -> np.ndarray:
    """Per scenario-clock bin, the share of it the server was down."""
    down = np.zeros(len(edges) - 1)
    for outage in outages:
        lo = float(m.clock(outage.killed))
        hi = float(m.clock(outage.back if outage.back is not None else outage.killed))
        overlap = np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0, None)
        down += overlap / np.diff(edges)
    return down

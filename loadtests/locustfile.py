"""peakload's Locust entry point: ``locust -f loadtests/locustfile.py``.

Run by ``peakload loadtest`` (which passes the plan in PEAKLOAD_LOADTEST to
master and workers alike), or by hand, with the web UI or headless:

    locust -f loadtests/locustfile.py --scenario scenarios/ci-smoke.toml \\
        --compress 40 --host http://127.0.0.1:8000

Workers started by hand on other machines read the plan from the same
variable (``PEAKLOAD_LOADTEST``) or, for a plain run, ``PEAKLOAD_SCENARIO``.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import gevent
from locust import events
from locust.runners import MasterRunner, WorkerRunner

from loadtests import fail_fast, keepalive
from loadtests.actors import RequestSource, request_source
from loadtests.arrival_user import ArrivalUser, share_origin
from loadtests.arrivals import ArrivalLog
from loadtests.closed import TreasuryUser
from loadtests.ledger import Ledger
from loadtests.pool_size import pool_size
from loadtests.recorder import RequestRecorder, ShapeLog
from loadtests.roster import (
    CLOCK_MESSAGE,
    READY_MESSAGE,
    SETUP_MESSAGE,
    Roster,
    processes,
    setup_rate,
)
from loadtests.shape import ScenarioShape
from peakload.core.plan import Plan
from peakload.core.runtime import calm_gc, raise_fd_limit
from peakload.core.scenario_file import load_scenario

__all__ = ["ArrivalUser", "ScenarioShape", "TreasuryUser"]

keepalive.install()  # keep-alive past 1,023 sockets: select() fails there (keepalive.py)
raise_fd_limit()  # up to the hard limit, not Locust's 10,000 (pitfall 3)
GC_FREEZE_EVERY_S = 30.0  # full collections paused Locust 400-640 ms (pitfall 4)


@dataclass
class LoadTestRun:
    """What this process records for the runner: requests, writes, the shape."""

    plan: Plan
    recorder: RequestRecorder
    source: RequestSource  # what each user sends (loadtests.actors)
    ledger: Ledger = field(default_factory=Ledger)
    shape_log: ShapeLog = field(default_factory=ShapeLog)
    started_wall: float = field(default_factory=time.time)
    # Closed workloads: wall epochs of the setup's start and of clock second 0, this
    # process's users (not on a master) and, on a master, each worker's ready users.
    setup_start: float | None = None
    clock_origin: float | None = None
    roster: Roster | None = None
    ready_by_worker: dict[str, int] = field(default_factory=dict)

    def start_setup(self, start: float) -> None:
        self.setup_start = start
        if self.roster is not None:
            self.roster.start_setup(start)

    def start_clock(self, origin: float) -> None:
        self.clock_origin = origin
        if self.roster is not None:
            self.roster.start_clock(origin)

    def ready_users(self) -> int:
        """Users signed in and ready, over every process."""
        if self.roster is not None:
            return self.roster.ready
        return sum(self.ready_by_worker.values())

    arrivals: ArrivalLog | None = None  # an open workload's schedule (arrival_user.py)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument(
        "--scenario",
        default=os.environ.get("PEAKLOAD_SCENARIO"),
        help="peakload scenario file",
        include_in_web_ui=True,
    )
    parser.add_argument(
        "--compress",
        type=float,
        default=1.0,
        help="divide the scenario clock by K (think times unchanged)",
    )
    parser.add_argument(
        "--user-scale",
        type=float,
        default=1.0,
        help="multiply users and each user's cycle (think + step) by F (request rate holds)",
    )
    parser.add_argument("--window", default=None, help="HH:MM-HH:MM to run up to and measure")
    parser.add_argument(
        "--requests",
        default=None,
        help="a request map (.toml) or tasks module (.py): what each transaction sends "
        "(default: the scenario's requests, else our mock's API: loadtests/maps/treasury.py)",
    )


def _plan(options) -> Plan:
    plan = Plan.from_environment()
    if plan is not None:
        return plan
    if not getattr(options, "scenario", None):
        raise SystemExit("peakload: give --scenario FILE (or set PEAKLOAD_SCENARIO)")
    window = tuple(options.window.split("-")) if options.window else None
    scenario = load_scenario(options.scenario)
    requests = options.requests or (
        Path(options.scenario).parent / scenario.scenario.requests
        if scenario.scenario.requests
        else None
    )
    return Plan(
        options.scenario,
        compress=options.compress,
        user_scale=options.user_scale,
        window=window,
        sign_in_rate=setup_rate(scenario),
        requests=str(Path(requests).resolve()) if requests else None,
    )


@events.init.add_listener
def _init(environment, **kwargs) -> None:
    plan = _plan(environment.parsed_options)
    names = [t.name for t in plan.scenario.transactions]
    source = request_source(plan)
    ledger = Ledger(source.writes, plan.run_token)
    run = LoadTestRun(plan, RequestRecorder(names), source, ledger=ledger)
    environment.peakload = run
    timeout = plan.scenario.workload.timeout_s
    TreasuryUser.network_timeout = timeout
    TreasuryUser.connection_timeout = timeout
    environment.events.request.add_listener(run.recorder.on_request)
    environment.events.request.add_listener(_watch(environment, plan).on_request)
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(
            SETUP_MESSAGE, lambda environment, msg, **kw: run.start_setup(msg.data["start"])
        )
        runner.register_message(
            CLOCK_MESSAGE, lambda environment, msg, **kw: run.start_clock(msg.data["origin"])
        )
    elif isinstance(runner, MasterRunner):

        def ready(environment, msg, **kw) -> None:
            run.ready_by_worker[msg.node_id] = msg.data["ready"]

        runner.register_message(READY_MESSAGE, ready)
    share_origin(environment)  # one schedule origin for master and workers (open workloads)


def _watch(environment, plan: Plan) -> fail_fast.Watch:
    """The fail-fast watch of this process: a run that cannot sign in, or whose
    routes do not exist, stops at once (:mod:`loadtests.fail_fast`)."""
    pool = plan.pool_users if plan.scenario.workload.kind == "closed" else pool_size(plan).start
    source = environment.peakload.source

    def abort(line: str) -> None:
        if plan.out_dir:  # under peakload's runner: it polls for this and stops us by PID
            path = Path(plan.out_dir) / fail_fast.ABORT_FILE.format(pid=os.getpid())
            Path(plan.out_dir).mkdir(parents=True, exist_ok=True)
            path.write_text(line + "\n")
            users = getattr(environment.runner, "user_greenlets", None)
            if users is not None:  # no request after the line (Locust's stop waits on users)
                gevent.spawn(users.kill, block=False)
            return
        print(f"peakload: {line}", file=sys.stderr)  # run by hand: stop here
        gevent.spawn(environment.runner.quit)

    watch = fail_fast.Watch(
        abort=abort,
        sign_in_probe=fail_fast.sign_in_probe(pool, processes(plan)),
        credentials_hint=source.credentials_hint,
        route_hint=source.route_hint,
        watched=frozenset(t.name for t in plan.scenario.transactions),
    )
    source.mistake = watch.trip  # a capture that never worked is a mistake in the map
    return watch


@events.test_start.add_listener
def _test_start(environment, **kwargs) -> None:
    run: LoadTestRun = environment.peakload
    run.started_wall = time.time()
    runner = environment.runner
    if run.plan.scenario.workload.kind == "closed" and not isinstance(runner, MasterRunner):
        report = None
        worker_index = 0
        if isinstance(runner, WorkerRunner):
            worker_index = runner.worker_index

            def report(ready: int) -> None:
                runner.send_message(READY_MESSAGE, {"ready": ready})

        run.roster = Roster(run.plan, worker_index, processes(run.plan), report)
        if run.setup_start is not None:
            run.roster.start_setup(run.setup_start)
        if run.clock_origin is not None:
            run.roster.start_clock(run.clock_origin)
        gevent.spawn(run.roster.run)

    def freeze_periodically() -> None:
        while True:
            gevent.sleep(GC_FREEZE_EVERY_S)
            calm_gc()

    gevent.spawn(freeze_periodically)


@events.quitting.add_listener
def _quitting(environment, **kwargs) -> None:
    run: LoadTestRun | None = getattr(environment, "peakload", None)
    if run is None or not run.plan.out_dir:
        return
    out = Path(run.plan.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    if len(run.recorder.end):
        run.recorder.save(out / f"requests-{pid}.npz")
        run.ledger.save(out / f"ledger-{pid}.json")
    if run.roster is not None and len(run.roster.log.wall):
        run.roster.log.save(out / f"activity-{pid}.npz")
    if run.arrivals is not None:
        run.arrivals.save(out / f"arrivals-{pid}.npz")
    if len(run.shape_log.wall):
        run.shape_log.save(out / "shape.npz")

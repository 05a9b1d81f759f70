"""The LoadTestShape that follows the plan (:mod:`peakload.core.plan`).

A closed workload (:func:`closed_tick`): during the setup phase and the whole
day the shape asks for the pool (:func:`loadtests.roster.spawn_count`) at the
sign-in rate, so Locust starts every user before the clock and none after;
which users work is decided in each process from the plan and the clock start
(:class:`loadtests.roster.Roster`). The first tick fixes the setup's start;
the clock starts at the first tick where the sign-in time has passed and the
whole pool is ready. The shape log starts with the clock and its ``elapsed``
is the plan's wall second, so ``wall - elapsed`` is the clock's origin for
every record (setup requests map before ``run_start``).

An open workload (:func:`open_tick`): every second, the users the profile asks
for at this moment of the (compressed) scenario clock; the spawn rate is the
whole difference, so Locust reaches the target within the second.
"""

from __future__ import annotations

import time
from typing import Any, cast

from locust import LoadTestShape
from locust.runners import MasterRunner, Runner

from loadtests.arrival_user import ArrivalUser
from loadtests.closed import TreasuryUser
from loadtests.outages import announce_clock
from loadtests.roster import (
    CLOCK_MESSAGE,
    SETUP_MESSAGE,
    setup_limit_s,
    spawn_count,
)
from peakload.core.workload import ClosedWorkload


def _runner(shape: LoadTestShape) -> Runner:
    runner = shape.runner
    assert runner is not None  # Locust hands the shape its runner before the first tick
    return runner


def _run(runner: Runner) -> Any:
    """The run's state, which the locustfile hangs on Locust's environment."""
    return cast(Any, runner.environment).peakload


def closed_tick(shape: LoadTestShape):
    runner = _runner(shape)
    run = _run(runner)
    plan = run.plan
    now = time.time()
    since_start = shape.get_run_time()
    master = isinstance(runner, MasterRunner)
    if run.setup_start is None:
        run.start_setup(now - since_start)
        if master:
            runner.send_message(SETUP_MESSAGE, {"start": run.setup_start})
    pool = spawn_count(plan), plan.sign_in_rate, [TreasuryUser]
    if run.clock_origin is None:
        signed_in = since_start >= plan.setup_s and run.ready_users() >= pool[0]
        if not (signed_in or since_start >= setup_limit_s(plan)):
            return pool
        run.start_clock(now)
        announce_clock(plan.out_dir, now)  # the runner tells the mock (failure drills)
        if master:
            runner.send_message(CLOCK_MESSAGE, {"origin": now})
    wall_s = now - run.clock_origin
    if wall_s >= plan.wall_duration_s:
        return None
    users = shape.get_current_user_count()  # the pool; the runner puts the working ones
    run.shape_log.add(now, wall_s, plan.active_users(wall_s), users)
    return pool


def open_tick(shape: LoadTestShape):
    run = _run(_runner(shape))
    plan = run.plan
    elapsed = shape.get_run_time()
    if not run.shape_log.wall:  # the clock starts now: the runner tells the mock
        announce_clock(plan.out_dir, time.time() - elapsed)
    if elapsed >= plan.wall_duration_s:
        return None
    target = plan.target_users(elapsed)
    current = shape.get_current_user_count()
    run.shape_log.add(time.time(), elapsed, target, current)
    return target, 100.0, [ArrivalUser]  # one arrival driver per process, at once


class ScenarioShape(LoadTestShape):
    def tick(self):
        if isinstance(_run(_runner(self)).plan.scenario.workload, ClosedWorkload):
            return closed_tick(self)
        return open_tick(self)

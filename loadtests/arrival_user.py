"""The Locust user that drives an open workload: one per Locust process.

Locust has no arrival-rate executor (its issues 646 and 2359 asked for one):
its users are closed loops. So the shape starts one ``ArrivalUser`` per
generator process (``Plan.target_users``), and that user runs the process's
share of the schedule (:mod:`loadtests.arrivals`): it sleeps until each
arrival is due and hands it to the pool (:mod:`loadtests.pool`), never
waiting for an answer. The pool's users are not Locust users; Locust's user
count for an open run is the number of drivers, the pool's size and its
users in flight are in the arrival log.
"""

from __future__ import annotations

import gc
import time

import gevent
import numpy as np
from locust import User, task
from locust.runners import MasterRunner, WorkerRunner
from locust.user.users import LOCUST_STATE_STOPPING

from loadtests.arrivals import ArrivalLog, ArrivalRate, poisson_schedule
from loadtests.pool import PoolUser, UserPool
from loadtests.pool_size import pool_size
from peakload.core.plan import Plan
from peakload.core.runtime import calm_gc
from peakload.core.sampling import ChoiceStream

SAMPLE_EVERY_S = 1.0
YOUNG_GC_EVERY_S = 0.1
FREEZE_EVERY_TICKS = 50  # x 0.1 s
ARRIVAL_STREAM = 15  # the seed key of the schedule's random stream
ORIGIN_MESSAGE = "peakload_arrivals_origin"


def process_rate(plan: Plan, processes: int) -> ArrivalRate:
    """This process's flow starts per wall second: the profile's requests per second
    (times the user scale) over the mean steps per flow, shared over ``processes``."""
    scenario = plan.scenario
    profile = scenario.workload.profile
    factor = plan.user_scale / scenario.mean_steps_per_flow() / processes
    return ArrivalRate(
        at=lambda t: profile.at(plan.clock_at(t)) * factor,
        peak=profile.peak * factor,
        constant=profile.is_constant(),
    )


class ArrivalUser(User):
    """Runs this process's arrivals; a second one in the same process only idles."""

    def wait_time(self) -> float:
        return SAMPLE_EVERY_S

    def stopping(self) -> bool:
        return self._state == LOCUST_STATE_STOPPING

    @task
    def drive(self) -> None:
        run = self.environment.peakload
        if run.arrivals is None:
            run.arrivals = ArrivalLog()
            self._drive(run, run.arrivals)
        while not self.stopping():  # done, or another driver has this process's share
            gevent.sleep(SAMPLE_EVERY_S)

    def _drive(self, run, log: ArrivalLog) -> None:
        plan: Plan = run.plan
        workers = plan.workers
        index = getattr(self.environment.runner, "worker_index", 0)
        timeout_s = plan.scenario.workload.timeout_s

        rng = np.random.default_rng([plan.run_seed, ARRIVAL_STREAM, index])
        users_rng = np.random.default_rng([plan.run_seed, ARRIVAL_STREAM + 1, index])
        flows = plan.scenario.flow_list
        flow_choice = ChoiceStream([f.weight for f in flows], users_rng)

        def make_user(number: int) -> PoolUser:
            unit = index + workers * number  # each user its own unit, across processes
            events = self.environment.events
            return PoolUser(self.environment.host, run, unit, timeout_s, events, users_rng)

        pool = UserPool(pool_size(plan).per_process(workers), make_user, log, self.stopping)
        sampler = gevent.spawn(_sample, pool, log)
        collector = gevent.spawn(_collect_young_garbage)
        try:
            calm_gc()  # a full collection of start-up objects paused the schedule ~1 s
            pool.prepare()  # the first users sign in while the schedule runs
            origin = _origin(run)
            schedule = poisson_schedule(process_rate(plan, workers), plan.wall_duration_s, rng)
            for t in schedule:
                delay = origin + t - time.time()
                gevent.sleep(max(delay, 0.0))  # always yield: the flows must run
                if self.stopping():
                    log.add(origin + t, dropped=False, waited_sign_in=False)
                    break
                pool.start(origin + t, flows[flow_choice.next()].steps)
            for t in schedule:  # stopped behind the schedule: the rest was due, never begun
                log.add(origin + t, dropped=False, waited_sign_in=False)
            workload = plan.scenario.workload
            pool.wait_idle(workload.timeout_s * (workload.retries + 1) + workload.retry_delay_s)
        finally:
            sampler.kill()
            collector.kill()
            pool.flows.kill(block=False)


def share_origin(environment) -> None:
    """Give every process the same schedule origin: the master's test start.

    Called at Locust's init. A worker's ``test_start`` comes when the
    master's spawn messages reach it, up to seconds after the master's shape
    started; a worker counting from its own start would shift (and cut) its
    share of the schedule. So the master sends its start time to the workers
    when the test starts, before any spawn message, and a worker's schedule
    counts from that (the same clock on one machine; NTP-close across
    machines).
    """
    runner = environment.runner
    if isinstance(runner, WorkerRunner):

        def learn(environment, msg, **kwargs) -> None:
            environment.peakload.arrivals_origin = float(msg.data)

        runner.register_message(ORIGIN_MESSAGE, learn)
    elif isinstance(runner, MasterRunner):

        def send(environment, **kwargs) -> None:
            runner.send_message(ORIGIN_MESSAGE, environment.peakload.started_wall)

        environment.events.test_start.add_listener(send)


def _origin(run) -> float:
    """The master's start on a worker, this process's own start otherwise."""
    return getattr(run, "arrivals_origin", None) or run.started_wall


def _collect_young_garbage() -> None:
    """Collect the youngest generation often, so no collection is ever long.

    A timed-out request leaves reference cycles (its exception, traceback and
    response); at 60 time-outs a second, Python's own gen-0 collection (after
    ``calm_gc``'s 50,000 allocations) took 300-400 ms of wall time on a busy
    machine, and gen-2 ones up to ~1 s, stalling every start due meanwhile.
    A gen-0 collection every 0.1 s walks only what 0.1 s allocated; survivors
    are frozen every few seconds so gen-2 collections stay short too.
    """
    ticks = 0
    while True:
        gevent.sleep(YOUNG_GC_EVERY_S)
        gc.collect(0)
        ticks += 1
        if ticks % FREEZE_EVERY_TICKS == 0:
            gc.freeze()


def _sample(pool: UserPool, log: ArrivalLog) -> None:
    while True:
        log.sample(time.time(), pool.users, pool.busy)
        gevent.sleep(SAMPLE_EVERY_S)

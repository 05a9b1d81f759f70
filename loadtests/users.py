"""Locust users: a budget unit's accountant per virtual user.

The closed workload's ``TreasuryUser`` lives in :mod:`loadtests.closed` (a
pool signed in before the clock, users ranked in and out by the plan).
``FlowArrivalUser`` serves an open workload: flows start as a
Poisson process at the scenario's rate, steps back to back.
"""

from __future__ import annotations

import itertools
import os
import time

import gevent
import numpy as np
from locust import FastHttpUser, task

from loadtests.accountant import Accountant
from peakload.core.plan import Plan
from peakload.core.sampling import ChoiceStream
from peakload.core.units import ALL_UNITS, DEV_UNIT_SECRET, FIRST_UNIT

_started = itertools.count()  # users started by this process


class _UnitUser(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        run = self.environment.peakload
        plan: Plan = run.plan
        runner = self.environment.runner
        index = getattr(runner, "worker_index", 0) + plan.workers * next(_started)
        self.unit_code = FIRST_UNIT + index % ALL_UNITS  # each user its own unit
        self.rng = np.random.default_rng([plan.run_seed, index])
        scenario = plan.scenario
        self.plan = plan
        self.workload = scenario.workload
        self.flows = scenario.flow_list
        self.flow_choice = ChoiceStream([f.weight for f in self.flows], self.rng)
        secret = os.environ.get("PEAKLOAD_UNIT_SECRET", DEV_UNIT_SECRET)
        self.accountant = Accountant(
            self.client, scenario, self.unit_code, secret, self.rng, run.ledger
        )
        gevent.sleep(self.rng.random())  # spread each second's starts (no spawn bursts)
        while not self.accountant.login():
            self.wait()  # a failed sign-in is tried again after thinking

    def pick_flow(self) -> list[str]:
        return self.flows[self.flow_choice.next()].steps


class FlowArrivalUser(_UnitUser):
    """One of a pool of users that together start flows as a Poisson process."""

    def wait_time(self) -> float:
        """The gap to this user's next flow: the pool's flow rate now, shared out."""
        plan = self.plan
        clock = plan.clock_at(time.time() - self.environment.peakload.started_wall)
        requests_per_s = plan.scenario.workload.profile.at(clock) * plan.user_scale
        flows_per_user_s = requests_per_s / plan.scenario.mean_steps_per_flow() / plan.open_users
        return self.rng.exponential(1 / flows_per_user_s) if flows_per_user_s > 0 else 1.0

    @task
    def arrive(self) -> None:
        while True:
            self.wait()
            for step in self.pick_flow():
                if not self.accountant.run(step):
                    break

"""Locust users: a budget unit's accountant per virtual user.

``TreasuryUser`` is the closed workload: it signs in when it starts, then
repeatedly picks a flow by weight and runs its steps, thinking before each
step. Thinking uses ``User.wait()``, so a user the shape stops while it thinks
leaves at once, and one stopped mid-request leaves after the answer, as in the
simulation. An open workload is driven by ``arrival_user.ArrivalUser`` instead.
"""

from __future__ import annotations

import itertools
import os

import gevent
import numpy as np
from locust import FastHttpUser, User, task

from loadtests.accountant import Accountant
from loadtests.arrival_user import ArrivalUser
from peakload.core.plan import Plan
from peakload.core.sampling import ChoiceStream
from peakload.core.units import ALL_UNITS, DEV_UNIT_SECRET, FIRST_UNIT
from peakload.core.workload import ClosedWorkload, OpenWorkload

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


class TreasuryUser(_UnitUser):
    """A closed-workload user: think, act, think, act."""

    workload: ClosedWorkload

    def wait_time(self) -> float:
        """Think time, scaled with the users (--user-scale) so the request rate holds."""
        return self.workload.think_time.sample(self.rng) * self.plan.user_scale

    @task
    def work(self) -> None:
        while True:
            for step in self.pick_flow():
                self.wait()
                if not self.accountant.run(step):
                    break  # give up the rest of this flow


USER_CLASS: dict[type[ClosedWorkload | OpenWorkload], type[User]] = {
    ClosedWorkload: TreasuryUser,
    OpenWorkload: ArrivalUser,
}
"""The Locust user class that plays each kind of workload: a closed workload's users
think and act; an open workload's one driver per process keeps the arrival schedule
and hands each flow to a pooled user (``arrival_user.ArrivalUser``)."""

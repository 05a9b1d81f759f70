"""How large an open workload's pool of users is: ``--pool-start`` and ``--pool-max``.

Without the flags the sizes come from the scenario (:func:`default_pool_size`):
``start`` covers four times the flows in flight at the peak rate if every step took only its
service demand (Little's law, L = λW); ``max`` is twice the flows in
flight at the peak rate with every flow as long as it can be (each step's
attempts all timing out; twice, because a time-out fires late on a busy
machine, 2.0-2.9 s for a 2 s time-out, and Poisson bursts come on top). With
the defaults the pool binds only past the client's own time-outs and
retries; a drop then means the generator was told to hold fewer users.
``max`` is held under ``MAX_USERS_PER_PROCESS`` per process: one process
holds at most ~19,000 sockets (MEASURED.md, pitfall 3) and connecting gets
slow past ~14,000 to one address (pitfall 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from peakload.core.plan import Plan
from peakload.core.scenario import Scenario

MAX_USERS_PER_PROCESS = 5000
START_HEADROOM = 4.0  # start = this x the flows in flight at the peak, service demand only
MAX_HEADROOM = 2.0  # max = this x the flows in flight at the peak if every flow timed out
MIN_START = 10


@dataclass(frozen=True)
class PoolSize:
    start: int
    max: int

    def __post_init__(self) -> None:
        if self.start < 1:
            raise ValueError(f"--pool-start must be >= 1 (got {self.start})")
        if self.max < self.start:
            raise ValueError(f"--pool-max ({self.max}) must be >= --pool-start ({self.start})")

    def per_process(self, processes: int) -> PoolSize:
        """This size shared out over ``processes`` generator processes (rounded up)."""
        return PoolSize(math.ceil(self.start / processes), math.ceil(self.max / processes))


def default_pool_size(scenario: Scenario, peak_requests_per_s: float, processes: int) -> PoolSize:
    """The pool the scenario needs at its peak rate, for all processes together."""
    flows = scenario.flow_list
    weights = np.array([f.weight for f in flows], dtype=float)
    weights /= weights.sum()
    peak_flows_per_s = peak_requests_per_s / scenario.mean_steps_per_flow()
    demand = {t.name: sum(d.mean for d in t.demand.values()) for t in scenario.transactions}
    flow_s = [sum(demand[step] for step in f.steps) for f in flows]
    mean_flow_s = float(np.dot(weights, flow_s))
    workload = scenario.workload
    retries = workload.retries
    attempt_s = workload.timeout_s * (retries + 1) + workload.retry_delay_s * retries
    longest_flow_s = max(len(f.steps) for f in flows) * attempt_s
    start = max(MIN_START, math.ceil(START_HEADROOM * peak_flows_per_s * mean_flow_s))
    longest = math.ceil(MAX_HEADROOM * peak_flows_per_s * longest_flow_s) + MIN_START
    cap = MAX_USERS_PER_PROCESS * processes
    start = min(start, cap)
    return PoolSize(start, max(start, min(longest, cap)))


def pool_size(plan: Plan) -> PoolSize:
    """The pool of all generator processes together: the plan's ``--pool-start`` and
    ``--pool-max``, or the scenario's defaults for what is not given."""
    peak = plan.scenario.workload.profile.peak * plan.user_scale
    size = default_pool_size(plan.scenario, peak, plan.workers)
    top = plan.pool_max if plan.pool_max is not None else max(size.max, plan.pool_start or 0)
    start = plan.pool_start if plan.pool_start is not None else min(size.start, top)
    return PoolSize(start, top)

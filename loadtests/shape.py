"""The LoadTestShape that follows the scenario's concurrency profile.

A table (the plan) and a short ``tick()``: every second, the users the
profile asks for at this moment of the (compressed) scenario clock. The spawn
rate is the whole difference, so Locust reaches the target within the second;
each new user then waits a random fraction of a second before signing in, so
the second's starts are spread rather than fired together.
"""

from __future__ import annotations

import time

from locust import LoadTestShape

from loadtests.users import USER_CLASS


class ScenarioShape(LoadTestShape):
    def tick(self):
        run = self.runner.environment.peakload
        plan = run.plan
        elapsed = self.get_run_time()
        if elapsed >= plan.wall_duration_s:
            return None
        target = plan.target_users(elapsed)
        current = self.get_current_user_count()
        run.shape_log.add(time.time(), elapsed, target, current)
        user = USER_CLASS[type(plan.scenario.workload)]
        return target, max(1.0, abs(target - current)), [user]

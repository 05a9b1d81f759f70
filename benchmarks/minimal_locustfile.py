"""The reference generator: the smallest paced FastHttpUser, for CPU-per-request ratios.

``PEAKLOAD_REFERENCE_PACING_S`` sets its pacing (default 2 s).
"""

import os

from locust import FastHttpUser, constant_pacing, task


class MinimalUser(FastHttpUser):
    wait_time = constant_pacing(float(os.environ.get("PEAKLOAD_REFERENCE_PACING_S", "2")))

    @task
    def health(self) -> None:
        self.client.get("/healthz")

"""Run the mock service with uvicorn, tuned to hold ~16,000 mostly idle users.

- keep-alive longer than the scenario's longest think time, so a user's
  connection survives its pause and is not re-opened (each new connection
  past ~14,000 to one address costs the kernel ~0.7 ms);
- the file-descriptor soft limit raised to the hard limit (one per connection);
- garbage collection calmed after start-up and every minute (see peakload.core.runtime).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import uvicorn

from mock_server.main import create_app
from mock_server.settings import Settings
from mock_server.slow_clients import protocol_with_deadline
from peakload.core.runtime import raise_fd_limit
from peakload.core.scenario import Scenario
from peakload.core.workload import ClosedWorkload

log = logging.getLogger("peakload.mock_server")

MIN_KEEP_ALIVE_S = 75


def keep_alive_for(scenario: Scenario | None) -> int:
    """Seconds an idle connection is kept: past the longest think time a user takes.

    For unbounded think-time distributions "longest" is the 99.9th percentile
    (from 100,000 seeded draws), plus 10 % for the request itself.
    """
    workload = scenario.workload if scenario else None
    if not isinstance(workload, ClosedWorkload):  # open arrivals: no user waits between requests
        return MIN_KEEP_ALIVE_S
    think = workload.think_time
    draws = think.sample_n(np.random.default_rng(0), 100_000)
    longest = (
        float(np.quantile(draws, 0.999))
        if think.dist not in ("deterministic", "uniform", "empirical")
        else float(draws.max())
    )
    return max(MIN_KEEP_ALIVE_S, math.ceil(longest * 1.1))


def serve(settings: Settings, scenario: Scenario | None, host: str, port: int) -> None:
    soft, hard = raise_fd_limit()
    keep_alive = keep_alive_for(scenario)
    app = create_app(settings, scenario)
    log.warning(
        "serving %s on http://%s:%d (file descriptors %d/%d, keep-alive %d s, database %s)",
        f"scenario {scenario.name}" if scenario else "without emulation",
        host,
        port,
        soft,
        hard,
        keep_alive,
        settings.db,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        timeout_keep_alive=keep_alive,
        access_log=False,
        log_level="warning",
        backlog=4096,
        loop="uvloop",
        http=protocol_with_deadline(settings.header_timeout_s),
    )

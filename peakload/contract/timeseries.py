"""The typed columns of ``timeseries.csv``: one row per minute of the run.

Both engines write the same columns, so a simulated day and a measured one can
be plotted on the same axes. In memory a series is a dict of equal-length
numpy arrays keyed by these names (``time_s``, the minute's start in
scenario-clock seconds, becomes the ``clock`` column on disk). A minute with
no traffic holds NaN (an empty CSV cell); with replications each cell is the
mean over them.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Column(StrEnum):
    """The columns every series has, in the order they are written."""

    TIME_S = "time_s"  # the minute's start, scenario clock (``clock`` HH:MM:SS on disk)
    TARGET_CONCURRENCY = "target_concurrency"  # the profile's users, mean over the minute
    CONCURRENCY = "concurrency"  # users (requests in system, open workload), mean
    REQUESTS = "requests"  # attempts that ended in the minute
    THROUGHPUT_RPS = "throughput_rps"  # ... per wall second
    MEAN_S = "mean_s"
    P50_S = "p50_s"
    P95_S = "p95_s"
    ERROR_RATE = "error_rate"


def util_column(tier: str) -> str:
    """A tier's busy fraction of c over the minute."""
    return f"util_{tier}"


def queue_column(tier: str) -> str:
    """A tier's longest queue seen in the minute."""
    return f"queue_{tier}"


Timeseries = dict[str, np.ndarray]
"""A run's series: :class:`Column` names, then ``util_<tier>``, ``queue_<tier>`` per tier."""

"""What the model holds between two counts: attempts and visits not yet streamed.

:class:`Attempts` is a buffer of the attempts ended since the monitor last
counted them into the run's :class:`~peakload.measure.request_stream.RequestStream`;
:class:`Samples` is what the monitor saw every tick (a row per tick, so its
size is the run's length, not its traffic); :func:`grid` is the bins the
streams count on.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from peakload.measure.stats import minute_edges

FLUSH_AT = 4096
"""Attempts the buffer holds before the monitor counts them into the stream."""


def grid(span: tuple[float, float], *marks: float) -> np.ndarray:
    """The stream's bin edges: the minutes of ``span`` and the ``marks`` inside it
    (a window's or a drill's ends), so that figures over them are exact."""
    inside = [m for m in marks if span[0] < m < span[1]]
    return np.unique(np.concatenate((minute_edges(*span), inside)))


class Attempts:
    """Attempts ended since the monitor last counted them, one row each."""

    __slots__ = ("end", "outcome", "start", "transaction")

    def __init__(self) -> None:
        self.transaction = array("i")
        """Index of the attempt's transaction in the scenario's ``[[transactions]]``."""
        self.start = array("d")
        """When the client sent it (simulated s after midnight)."""
        self.end = array("d")
        """When the client had its outcome: answer, refusal or time-out."""
        self.outcome = array("b")
        """``peakload.measure.stats.Outcome`` values: OK, TIMEOUT, REFUSED."""


@dataclass
class Samples:
    """What the monitor saw every tick: clock, target and actual users, tier occupancy."""

    time: array
    """Simulated time of each sample (s after midnight), one per tick."""
    target: array
    """The profile's value then: users asked for, or requests/s for an open workload."""
    concurrency: array
    """Users actually at work (0 for an open workload)."""
    in_tier: dict[str, array]
    """Requests in each tier, in service or waiting, by tier name."""

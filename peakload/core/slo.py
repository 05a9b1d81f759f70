"""A scenario's ``[slo]``: the limits a run must keep to pass."""

from __future__ import annotations

from pydantic import Field

from peakload.core.fields import Strict


class Slo(Strict):
    """The ``[slo]`` table: the limits a run must keep to pass. Unset means unchecked.

    The verdict itself is :mod:`peakload.measure.judge`'s.
    """

    p95_s: float | None = Field(default=None, gt=0)
    """Most the 95th percentile of response time (s) may be, over the window."""

    p99_s: float | None = Field(default=None, gt=0)
    """Most the 99th percentile of response time (s) may be."""

    mean_s: float | None = Field(default=None, gt=0)
    """Most the mean response time (s) may be."""

    error_rate: float | None = Field(default=None, ge=0, le=1)
    """Most the share of failed requests (timed out, refused, errors) may be."""

    max_utilization: float | None = Field(default=None, gt=0, le=1)
    """Most the busy share of any tier's servers may be (headroom for sizing)."""

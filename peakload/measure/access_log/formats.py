"""The access-log formats peakload reads, apart from the reader (no polars to import).

The command line offers them as choices before any log is read, so they live
where naming them costs nothing.
"""

from __future__ import annotations

from enum import StrEnum


class LogFormat(StrEnum):
    """The formats :func:`~.lines.read_batches` understands; ``auto`` looks at the first line."""

    COMBINED = "combined"
    JSONL = "jsonl"
    AUTO = "auto"


MAX_TRANSACTIONS = 25
"""Without a route map, on a log not of the mock: the busiest path templates named as
transactions (:mod:`~.templates`; the rest are ``other``). Here, beside the formats, so
that the command line prints it without importing the reader."""

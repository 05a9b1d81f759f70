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

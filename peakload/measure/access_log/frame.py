"""The columns every log reader yields: one row per request, whatever the format.

Each reader (:mod:`~.clf`, :mod:`~.w3c`, :mod:`~.jsonl`) turns its lines into a
polars DataFrame of :data:`REQUEST_SCHEMA`, so everything after the reading
(order, routes, sessions) never asks which server wrote the log.
"""

from __future__ import annotations

import polars as pl

REQUEST_SCHEMA = pl.Schema(
    {
        "end_s": pl.Float64,
        "client": pl.String,
        "user": pl.String,
        "agent": pl.String,
        "method": pl.String,
        "path": pl.String,
        "status": pl.Int32,
        "request_time": pl.Float64,
        "line_no": pl.UInt32,
    }
)
"""end_s: end of the request, epoch seconds; request_time: seconds it took (0 where the
format does not say); line_no: the line's number in its file, from 1."""

COLUMNS = tuple(REQUEST_SCHEMA)
"""The columns' names, in order."""

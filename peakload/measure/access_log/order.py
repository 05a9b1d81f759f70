"""Putting requests in time order: within a bounded window, and across files.

Real logs are out of order a little: a line is written when its request ends
but may be stamped with its start (Apache), so stamps are out of order by the
requests' durations; several workers writing one file interleave by a second;
logs shipped through a pipeline arrive by the minute. And several servers
write several files covering the same hours. Sessions need each user's
requests by their start, so :func:`merge` sorts every request by its start
within a window of ``max_skew_s`` seconds (``--max-skew``, default 120 s:
more than the 60 s Apache's and nginx's default timeouts let a request last),
merging the files as it goes:

- each file is read a batch at a time, always the one that is furthest
  behind, so the files advance together;
- a request is let through once every file has been read past its start plus
  the window: nothing still to come can start before it. Memory holds the
  window (and a batch per file), not the file.

A line that starts more than the window before a line read earlier from the
same file would have to go back before requests already let through:
:class:`OrderError` names the file, the line and the window it would need.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from peakload.measure.access_log.formats import DEFAULT_MAX_SKEW_S


class OrderError(ValueError):
    """A line further out of time order than the window: one line saying where and why."""


@dataclass
class _Stream:
    path: Path
    batches: Iterator[pl.DataFrame]
    high_s: float = float("-inf")  # the latest start read from it so far
    done: bool = False


def _check(stream: _Stream, frame: pl.DataFrame, max_skew_s: float) -> None:
    """Refuse a line that starts more than the window before the latest start read before
    it from the same file."""
    before = pl.max_horizontal(
        pl.lit(stream.high_s), pl.col("start_s").cum_max().shift(1).fill_null(stream.high_s)
    )
    late = frame.select(pl.col("line_no"), (before - pl.col("start_s")).alias("behind")).filter(
        pl.col("behind") > max_skew_s
    )
    if len(late):
        line_no, behind = late.row(0)
        raise OrderError(
            f"{stream.path}: line {line_no} starts {behind:,.0f} s before a line above it, "
            f"beyond --max-skew {max_skew_s:g} s: sort the file by time, or give "
            f"--max-skew {behind + 1:.0f} or more"
        )


def merge(
    files: Iterable[tuple[Path, Iterable[pl.DataFrame]]], max_skew_s: float = DEFAULT_MAX_SKEW_S
) -> Iterator[pl.DataFrame]:
    """The requests of every file, in order of their start (``end_s - request_time``),
    in batches; each batch keeps the reader's columns."""
    streams = [_Stream(path, iter(batches)) for path, batches in files]
    pending: list[pl.DataFrame] = []
    while any(not s.done for s in streams):
        stream = min((s for s in streams if not s.done), key=lambda s: s.high_s)
        frame = next(stream.batches, None)
        if frame is None:
            stream.done = True
        elif len(frame):
            frame = frame.with_columns((pl.col("end_s") - pl.col("request_time")).alias("start_s"))
            _check(stream, frame, max_skew_s)
            high_s = frame["start_s"].max()
            assert isinstance(high_s, int | float), "lines that parsed have an end and a duration"
            stream.high_s = max(stream.high_s, float(high_s))
            pending.append(frame)
        active = [s.high_s for s in streams if not s.done]
        if not pending or (active and min(active) == float("-inf")):
            continue  # every file must be read once before anything can be let through
        through = min(active) - max_skew_s if active else float("inf")
        window = pl.concat(pending, rechunk=False)
        ready = window.filter(pl.col("start_s") <= through)
        pending = [window.filter(pl.col("start_s") > through)] if len(ready) < len(window) else []
        if len(ready):
            yield ready.sort("start_s", maintain_order=True).drop("start_s")

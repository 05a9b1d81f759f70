"""Sorting within the --max-skew window: order restored, memory bounded by the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from peakload.measure.access_log.order import OrderError, merge


def _batches(count: int, rows: int, span_s: float, jitter_s: float, seed: int):
    """``count`` batches of ``rows`` requests each, ``span_s`` seconds a batch, each line
    out of order by up to ``jitter_s``; counts the batches read in ``read[0]``."""
    rng = np.random.default_rng(seed)
    read = [0]

    def gen():
        for i in range(count):
            start = i * span_s + np.arange(rows) * span_s / rows
            start = start + rng.uniform(0, jitter_s, rows)
            read[0] += 1
            yield pl.DataFrame(
                {
                    "end_s": start + 0.5,
                    "request_time": np.full(rows, 0.5),
                    "line_no": np.arange(i * rows, (i + 1) * rows) + 1,
                }
            )

    return gen(), read


def test_the_stream_comes_out_in_order_and_holds_only_the_window():
    batches, read = _batches(count=200, rows=1_000, span_s=10.0, jitter_s=60.0, seed=1)
    held, starts = [], []
    for frame in merge([(Path("a.log"), batches)], max_skew_s=120.0):
        starts.append((frame["end_s"] - frame["request_time"]).to_numpy())
        held.append(read[0] * 1_000 - sum(len(s) for s in starts))
    every = np.concatenate(starts)
    assert len(every) == 200_000 and np.all(np.diff(every) >= 0)
    # Held back: the window (120 s is 12 batches' worth) and the batch being read, never
    # the 200 batches of the stream.
    assert max(held) <= 14 * 1_000


def test_a_line_beyond_the_window_is_named():
    batches, _ = _batches(count=20, rows=100, span_s=10.0, jitter_s=0.0, seed=2)
    frames = list(batches)
    late = frames[15].with_columns(
        pl.when(pl.col("line_no") == 1_550).then(pl.col("end_s") - 300).otherwise(pl.col("end_s"))
    )
    frames[15] = late
    with pytest.raises(OrderError, match=r"b.log: line 1550 starts 3\d\d s before"):
        list(merge([(Path("b.log"), iter(frames))], max_skew_s=120.0))

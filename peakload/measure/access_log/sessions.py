"""Sessions: a user's requests until an inactivity gap, gathered batch by batch.

A user is the log's remote user (the unit code, or the token's subject) or,
where the log has none, the client address with its user agent. A session
ends when the user is silent for longer than the *session gap* (default 30
minutes: a longer gap in a working day is a different sitting).

Within a session, the *think time* before a request is the time from the end
of the user's previous response to the start of this request (its end minus
its request time). Requests of one user that overlap give no think time.

The gatherer keeps, per user, only the last request's end, transaction and
session; per session its first start, last end and request count; plus
bounded uniform samples of think and response times. So memory grows with
users and sessions, never with lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from peakload.measure.access_log.routes import UNKNOWN
from peakload.measure.access_log.sample import StreamSample

START = "^"
"""The transition source of a session's first request."""

SAMPLE_CAPACITY = 200_000

_STATE_SCHEMA = {
    "key": pl.String,
    "state_end": pl.Float64,
    "state_sid": pl.Int64,
    "state_txn": pl.String,
}
_SESSION_SCHEMA = {"sid": pl.Int64, "start": pl.Float64, "end": pl.Float64, "requests": pl.UInt32}


@dataclass
class Sessions:
    """What the log says about its users, gathered by :meth:`add` batch after batch."""

    session_gap_s: float
    rng: np.random.Generator
    users: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_STATE_SCHEMA))
    table: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_SESSION_SCHEMA))
    next_sid: int = 0
    transitions: Counter = field(default_factory=Counter)
    mix: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    unknown: Counter = field(default_factory=Counter)
    think: StreamSample | None = None
    response: dict[str, StreamSample] = field(default_factory=dict)
    first_s: float = float("inf")
    last_s: float = float("-inf")

    def __post_init__(self) -> None:
        self.think = StreamSample(SAMPLE_CAPACITY, self.rng)

    @property
    def requests(self) -> int:
        return sum(self.mix.values())

    def add(self, frame: pl.DataFrame) -> None:
        """Fold one batch (columns of ``lines.COLUMNS`` plus ``transaction``, ``pattern``)."""
        if not len(frame):
            return
        unknown = frame.filter(pl.col("transaction") == UNKNOWN)
        if len(unknown):
            for pattern, n in unknown.group_by("pattern").len().iter_rows():
                self.unknown[pattern] += n
        frame = frame.filter(pl.col("transaction") != UNKNOWN)
        if not len(frame):
            return
        self.first_s = min(self.first_s, float((frame["end_s"] - frame["request_time"]).min()))
        self.last_s = max(self.last_s, float(frame["end_s"].max()))
        rows = self._sessionize(frame)
        self._gather(rows)

    def _sessionize(self, frame: pl.DataFrame) -> pl.DataFrame:
        key = (
            pl.when(pl.col("user") != "-")
            .then(pl.col("user"))
            .otherwise(pl.col("client") + " " + pl.col("agent"))
        )
        rows = (
            frame.with_columns(
                key.alias("key"), (pl.col("end_s") - pl.col("request_time")).alias("start")
            )
            .sort(["key", "start"])
            .join(self.users, on="key", how="left")
            .with_columns(
                pl.col("end_s").shift(1).over("key").alias("prev_end"),
                pl.col("transaction").shift(1).over("key").alias("prev_txn"),
            )
        )
        first = pl.col("prev_end").is_null()
        rows = rows.with_columns(
            pl.when(first)
            .then(pl.col("state_end"))
            .otherwise(pl.col("prev_end"))
            .alias("prev_end"),
            pl.when(first)
            .then(pl.col("state_txn"))
            .otherwise(pl.col("prev_txn"))
            .alias("prev_txn"),
            first.alias("first"),
        )
        gap = pl.col("start") - pl.col("prev_end")
        new = pl.col("prev_end").is_null() | (gap > self.session_gap_s)
        rows = rows.with_columns(gap.alias("gap"), new.alias("new"))
        rows = rows.with_columns(
            pl.when(pl.col("new"))
            .then(self.next_sid + pl.col("new").cast(pl.Int64).cum_sum() - 1)
            .when(pl.col("first"))
            .then(pl.col("state_sid"))
            .otherwise(None)
            .alias("sid")
        ).with_columns(pl.col("sid").forward_fill().over("key"))
        self.next_sid += int(rows["new"].sum())
        last = rows.group_by("key").agg(
            pl.col("end_s").last().alias("state_end"),
            pl.col("sid").last().alias("state_sid"),
            pl.col("transaction").last().alias("state_txn"),
        )
        self.users = pl.concat(
            [self.users.join(last, on="key", how="anti"), last.select(self.users.columns)]
        )
        return rows

    def _gather(self, rows: pl.DataFrame) -> None:
        within = rows.filter(~pl.col("new"))
        self.think.offer(within.filter(pl.col("gap") >= 0)["gap"].to_numpy())
        source = pl.when(pl.col("new")).then(pl.lit(START)).otherwise(pl.col("prev_txn"))
        pairs = rows.select(source.alias("source"), pl.col("transaction"))
        for source, target, n in pairs.group_by(["source", "transaction"]).len().iter_rows():
            self.transitions[(source, target)] += n
        for name, n, errors in (
            rows.group_by("transaction").agg(pl.len(), (pl.col("status") >= 500).sum()).iter_rows()
        ):
            self.mix[name] += n
            self.errors[name] += errors
        for (name,), group in rows.group_by(["transaction"]):
            sample = self.response.setdefault(name, StreamSample(SAMPLE_CAPACITY // 10, self.rng))
            sample.offer(group["request_time"].to_numpy())
        batch = rows.group_by("sid").agg(
            pl.col("start").min(), pl.col("end_s").max().alias("end"), pl.len().alias("requests")
        )
        self.table = (
            pl.concat([self.table, batch.select(self.table.columns).cast(_SESSION_SCHEMA)])
            .group_by("sid")
            .agg(pl.col("start").min(), pl.col("end").max(), pl.col("requests").sum())
        )

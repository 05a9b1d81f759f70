"""Sessions: a user's requests until an inactivity gap, gathered batch by batch.

A user is the log's remote user (the unit code, or the token's subject) or,
where the log has none, the client address with its user agent. A session
ends when the user is silent for longer than the *session gap* (default 30
minutes: a longer gap in a working day is a different sitting).

Within a session, the *think time* before a request is the time from the
latest end of the user's earlier requests to the start of this request (its
end minus its request time). Requests of one user that overlap give no think
time.

The gatherer keeps, per user, only the latest end, last transaction and
session; per session its first start, last end and request count; the exact
count, mean and cv of think times, plus bounded uniform samples of think and
response times for their shapes. So memory grows with users and sessions,
never with lines.

Batches must come in order of the requests' starts: :mod:`~.order` sorts
them so, within its window, and merges several servers' logs. A request that
starts while an earlier one of the same user is still running (a long
download, say) overlaps it and gives no think time.

Static assets (a frame's ``asset`` column, :mod:`~.assets`) are folded into
the page view before them: they move the user's latest end (the next think
time runs from the last asset's end) and are otherwise no request: no
transaction, no think time, no transition, no session of their own (a
session ends with its last page view's end: assets fetched after it, a
fraction of a second later, do not stretch it).

Users are keyed by a 64-bit hash of who they are, not the string itself: a
batch is sorted by user and time, and sorting and joining integers costs a
fraction of strings (two users in a million share a hash with probability
about 3e-8). Sorted so, "the user's previous request" is simply the row
before when that row is the same user's; only the running latest end needs a
per-user window.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from peakload.measure.access_log.routes import UNKNOWN
from peakload.measure.access_log.sample import Moments, StreamSample

START = "^"
"""The transition source of a session's first request."""

SAMPLE_CAPACITY = 200_000

_STATE_SCHEMA = {
    "key": pl.UInt64,
    "state_end": pl.Float64,
    "state_sid": pl.Int64,
    "state_txn": pl.String,
}
_SESSION_SCHEMA = pl.Schema(
    {"sid": pl.Int64, "start": pl.Float64, "end": pl.Float64, "requests": pl.UInt32}
)


def user_key() -> pl.Expr:
    """Who made a request, as a 64-bit hash: the remote user, else client and user agent."""
    return (
        pl.when(pl.col("user") != "-")
        .then(pl.col("user"))
        .otherwise(pl.concat_str([pl.col("client"), pl.col("agent")], separator=" "))
        .hash(seed=0)
    )


@dataclass
class Sessions:
    """What the log says about its users, gathered by :meth:`add` batch after batch."""

    session_gap_s: float
    rng: np.random.Generator
    users: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_STATE_SCHEMA))
    table: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_SESSION_SCHEMA))
    next_sid: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (source, target)
    mix: Counter[str] = field(default_factory=Counter)  # requests per transaction
    errors: Counter[str] = field(default_factory=Counter)  # 5xx answers per transaction
    unknown: Counter[str] = field(default_factory=Counter)  # requests per unnamed template
    patterns: Counter[tuple[str, str]] = field(default_factory=Counter)  # (name, template)
    folded: int = 0  # asset requests folded into their page views
    think: StreamSample = field(init=False)  # made in __post_init__, from rng
    think_moments: Moments = field(default_factory=Moments)
    response: dict[str, StreamSample] = field(default_factory=dict)
    first_s: float = float("inf")
    last_s: float = float("-inf")

    def __post_init__(self) -> None:
        self.think = StreamSample(SAMPLE_CAPACITY, self.rng)

    @property
    def requests(self) -> int:
        return sum(self.mix.values())

    def add(self, frame: pl.DataFrame) -> None:
        """Fold one batch (columns of ``frame.COLUMNS`` plus ``transaction``, ``pattern``,
        and optionally ``asset`` and ``key``, the user :func:`user_key` names)."""
        if not len(frame):
            return
        asset = pl.col("asset") if "asset" in frame.columns else pl.lit(False)
        known = (pl.col("transaction") != UNKNOWN) | asset
        unknown = frame.filter(~known)
        if len(unknown):
            for pattern, n in unknown.group_by("pattern").len().iter_rows():
                self.unknown[pattern] += n
        frame = frame.filter(known)
        if not len(frame):
            return
        # A template has one transaction and is an asset or not: grouping by it is enough.
        shapes = frame.group_by("pattern").agg(
            pl.col("transaction").first(), asset.first().alias("asset"), pl.len()
        )
        for pattern, name, is_asset, n in shapes.iter_rows():
            if is_asset:
                self.folded += n
            else:
                self.patterns[(name, pattern)] += n
        rows = self._sessionize(frame)
        if not len(rows):  # assets alone: they only moved their users' latest ends
            return
        first_s, last_s = rows["start"].min(), rows["end_s"].max()
        assert isinstance(first_s, int | float) and isinstance(last_s, int | float), (
            "rows that parsed have an end and a duration, and there are some"
        )
        self.first_s = min(self.first_s, float(first_s))
        self.last_s = max(self.last_s, float(last_s))
        self._gather(rows)

    def _sessionize(self, frame: pl.DataFrame) -> pl.DataFrame:
        assets = "asset" in frame.columns and bool(frame["asset"].any())
        rows = (
            frame.select(
                pl.col("key") if "key" in frame.columns else user_key().alias("key"),
                (pl.col("end_s") - pl.col("request_time")).alias("start"),
                pl.col("end_s"),
                pl.col("request_time"),
                pl.col("status"),
                pl.col("transaction").cast(pl.String),
                pl.col("asset") if assets else pl.lit(False).alias("asset"),
            )
            .join(self.users, on="key", how="left", maintain_order="left")
            .sort(["key", "start"], maintain_order=True)  # ties keep the log's order
        )
        key, txn = pl.col("key"), pl.col("transaction")
        first = (key != key.shift(1)).fill_null(True)  # the batch's first request of its user
        # The user last waited on the system until the latest end so far, not the end of the
        # request that started last: a long request overlapped by a short one ends later.
        # An asset's end counts: its page view kept the user waiting until then.
        latest = pl.max_horizontal(pl.col("state_end"), pl.col("end_s").cum_max().over("key"))
        rows = rows.with_columns(first.alias("first"), latest.alias("latest"))
        prev_end = pl.when(first).then(pl.col("state_end")).otherwise(pl.col("latest").shift(1))
        rows = rows.with_columns(prev_end.alias("prev_end"))
        if assets:  # folded: from here on, only the page views (see :mod:`~.assets`)
            ends = rows.filter((key != key.shift(-1)).fill_null(True)).select(key, "latest")
            rows = rows.filter(~pl.col("asset")).with_columns(first.alias("first"))
        prev_txn = pl.when(first).then(pl.col("state_txn")).otherwise(txn.shift(1))
        rows = rows.with_columns(prev_txn.alias("prev_txn"))
        rows = rows.with_columns((pl.col("start") - pl.col("prev_end")).alias("gap"))
        new = (
            pl.col("prev_end").is_null()
            | (pl.col("gap") > self.session_gap_s)
            | (pl.col("first") & pl.col("state_sid").is_null())  # only assets before
        )
        rows = rows.with_columns(new.alias("new"))
        # A user's first row always has a session (a new one, or the one carried from the
        # last batch), so a plain forward fill never reaches across users.
        sid = (
            pl.when(pl.col("new"))
            .then(self.next_sid + pl.col("new").cast(pl.Int64).cum_sum() - 1)
            .when(pl.col("first"))
            .then(pl.col("state_sid"))
        )
        rows = rows.with_columns(sid.forward_fill().alias("sid"))
        self.next_sid += int(rows["new"].sum())
        last = rows.filter((key != key.shift(-1)).fill_null(True)).select(
            key,
            pl.col("latest").alias("state_end"),
            pl.col("sid").alias("state_sid"),
            txn.alias("state_txn"),
        )
        if assets:  # the users' latest ends, trailing assets included
            old = ends.select(key).join(self.users, on="key", how="inner")
            kept = pl.concat([old, last]).unique("key", keep="last", maintain_order=True)
            last = ends.join(kept.drop("state_end"), on="key", how="left").rename(
                {"latest": "state_end"}
            )
            last = last.select(list(_STATE_SCHEMA))
        self.users = pl.concat([self.users.join(last, on="key", how="anti"), last])
        return rows

    def rename(self, names: dict[str, str]) -> None:
        """Give transactions their final names (several may become one, as ``other``):
        the mix, errors, transitions, response times and templates follow."""

        def new(name: str) -> str:
            return names.get(name, name)

        for attribute in ("mix", "errors"):
            renamed: Counter[str] = Counter()
            for name, n in getattr(self, attribute).items():
                renamed[new(name)] += n
            setattr(self, attribute, renamed)
        transitions: Counter[tuple[str, str]] = Counter()
        for (source, target), n in self.transitions.items():
            transitions[(new(source) if source != START else START, new(target))] += n
        self.transitions = transitions
        patterns: Counter[tuple[str, str]] = Counter()
        for (name, pattern), n in self.patterns.items():
            patterns[(new(name), pattern)] += n
        self.patterns = patterns
        response: dict[str, StreamSample] = {}
        for name, sample in self.response.items():
            merged = response.get(new(name))
            response[new(name)] = sample if merged is None else merged.merge(sample)
        self.response = response

    def _gather(self, rows: pl.DataFrame) -> None:
        gaps = rows.filter(~pl.col("new") & (pl.col("gap") > 0))["gap"].to_numpy()
        self.think.offer(gaps)
        self.think_moments.offer(gaps)
        source = pl.when(pl.col("new")).then(pl.lit(START)).otherwise(pl.col("prev_txn"))
        pairs = rows.group_by(source.alias("source"), pl.col("transaction")).len()
        for source_name, target, n in pairs.iter_rows():
            self.transitions[(source_name, target)] += n
        # In the batch's order: the response samples share one generator, so the order
        # they draw in must not vary from run to run (the same log, the same scenario).
        per_txn = rows.group_by("transaction", maintain_order=True).agg(
            pl.len(), (pl.col("status") >= 500).sum(), pl.col("request_time")
        )
        for name, n, errors, times in per_txn.iter_rows():
            self.mix[name] += n
            self.errors[name] += errors
            sample = self.response.setdefault(name, StreamSample(SAMPLE_CAPACITY // 10, self.rng))
            sample.offer(np.asarray(times))
        batch = rows.group_by("sid").agg(
            pl.col("start").min(), pl.col("end_s").max().alias("end"), pl.len().alias("requests")
        )
        self.table = (
            pl.concat([self.table, batch.cast(_SESSION_SCHEMA)])
            .group_by("sid")
            .agg(pl.col("start").min(), pl.col("end").max(), pl.col("requests").sum())
        )

"""W3C extended log files, IIS's default format.

A W3C file says what its lines hold in a ``#Fields:`` directive, in any order
and any selection, and may say it again further down (IIS writes its
directives anew each time it starts, and a changed field selection with
them): every line is read by the latest ``#Fields:`` above it, carried from
one batch to the next. IIS's default selection::

    #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip
    cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken

Fields are separated by single spaces; a space inside one (the user agent) is
written as ``+``; an empty field is ``-``. The ones read here: ``date`` and
``time`` (or ``#Date:``'s day when there is no ``date`` field, as in IIS 4's
examples), ``c-ip``, ``cs-username``, ``cs(User-Agent)``, ``cs-method``,
``cs-uri-stem`` (with ``cs-uri-query``), ``sc-status`` and ``time-taken``
(milliseconds; without it there are no durations).

When is ``time``? Microsoft's documentation says "the time, in coordinated
universal time (UTC), at which the activity occurred" (the W3C Extended Log
File Format page, Windows Server 2003 IIS 6.0 documentation, Table 10.1) and,
for ``time-taken``, that its clock starts when HTTP.sys receives the request's
first byte and stops "when the last IIS response send completion occurs"
(Microsoft KB 944884). HTTP.sys writes the line then, at the end, and the
stamp is that moment: a user's next request, stamped as a start, would come
before the previous response was sent (as IIS users observe). So ``time`` is
read as the request's **end**, and its start is ``time - time-taken``.
The clock is UTC (``--tz`` puts it on a local one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import polars as pl

from peakload.measure.access_log.frame import REQUEST_SCHEMA

if TYPE_CHECKING:  # lines imports this module: the type only, for the checker
    from peakload.measure.access_log.lines import LineCounts

NEEDED = ("time", "cs-method", "cs-uri-stem", "sc-status")


@dataclass
class W3CState:
    """What the directives above the current line said: its fields, and ``#Date:``'s day."""

    fields: list[str] = field(default_factory=list)
    date: str | None = None


def _directive(line: str, state: W3CState) -> None:
    if line.startswith("#Fields:"):
        state.fields = line[len("#Fields:") :].split()
    elif line.startswith("#Date:"):
        words = line[len("#Date:") :].split()
        state.date = words[0] if words else None


def _date_epoch(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


def _segment(lines: pl.DataFrame, state: W3CState, counts: LineCounts) -> pl.DataFrame | None:
    """The data lines below one set of directives into the reader's columns."""
    fields = state.fields
    if not all(name in fields for name in NEEDED) or ("date" not in fields and not state.date):
        return None  # every line of it is bad
    parts = pl.col("parts")

    def get(name: str, default: str = "-") -> pl.Expr:
        if name not in fields:
            return pl.lit(default)
        return parts.list.get(fields.index(name), null_on_oob=True)

    # In stages: the split runs once (eager expressions are not shared).
    frame = lines.with_columns(pl.col("line").str.split(" ").alias("parts"))
    frame = frame.with_columns(parts.list.len().alias("width"))
    frame = frame.with_columns(
        (get("date") if "date" in fields else pl.lit(state.date)).alias("date"),
        get("time").alias("time"),
        get("c-ip").alias("client"),
        get("cs-username").alias("user"),
        get("cs(User-Agent)").alias("agent"),
        get("cs-method").alias("method"),
        get("cs-uri-stem").alias("stem"),
        get("cs-uri-query").alias("query"),
        get("sc-status").cast(pl.Int32, strict=False).alias("status"),
        (get("time-taken").cast(pl.Int64, strict=False) / 1000.0).alias("request_time")
        if "time-taken" in fields
        else pl.lit(0.0).alias("request_time"),
    )
    if "time-taken" not in fields:
        counts.durations = False
    table: dict[str, int | None] = {}
    for day in frame["date"].unique().drop_nulls().to_list():
        try:
            table[day] = _date_epoch(day)
        except ValueError:
            table[day] = None
    day_s = frame["date"].replace_strict(table, default=None, return_dtype=pl.Int64)
    clock = frame.select(
        pl.when(pl.col("time").str.len_bytes() == 8).then(
            pl.col("time").str.slice(0, 2).cast(pl.Int64, strict=False) * 3600
            + pl.col("time").str.slice(3, 2).cast(pl.Int64, strict=False) * 60
            + pl.col("time").str.slice(6, 2).cast(pl.Int64, strict=False)
        )
    ).to_series()
    query = pl.col("query")
    return frame.with_columns((day_s + clock).cast(pl.Float64).alias("end_s")).select(
        "line_no",
        "line",
        "end_s",
        "client",
        "user",
        "agent",
        "method",
        pl.when(query.is_null() | (query == "-"))
        .then(pl.col("stem"))
        .otherwise(pl.col("stem") + "?" + query)
        .alias("path"),
        "status",
        "request_time",
        (pl.col("width") == len(fields)).alias("shaped"),
    )


def minute_keys(
    lines: pl.DataFrame, state: W3CState
) -> tuple[pl.Series, Callable[[str], float]] | tuple[None, None]:
    """Each line's ``date time`` to the minute (``2012-08-18 19:46``) by position, and
    its decoder; None when a ``#Fields:`` does not begin with ``date time`` (then the
    lines are parsed in full). For counting lines per day."""
    directive = lines["line"].str.starts_with("#")
    for line in lines.filter(directive)["line"].to_list():
        _directive(line, state)
        if line.startswith("#Fields:") and state.fields[:2] != ["date", "time"]:
            return None, None
    if state.fields[:2] != ["date", "time"]:
        return None, None
    keys = lines.filter(~directive)["line"].str.slice(0, 16)
    return keys, _decode_minute


def _decode_minute(key: str) -> float:
    return datetime.strptime(key, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()


def parse(lines: pl.DataFrame, counts: LineCounts, state: W3CState) -> pl.DataFrame:
    """One batch of ``line_no``, ``line`` into the reader's columns; ``state`` carries the
    directives from one batch to the next."""
    directive = lines["line"].str.starts_with("#")
    found = int(directive.sum())
    counts.directives += found
    if not found:  # most batches: every line read by the fields above the batch
        out = _segment(lines, state, counts)
        if out is None:
            counts.bad += len(lines)
            if counts.first_bad is None and len(lines):
                counts.first_bad = lines["line"][0][:300]
        return _checked(out, counts) if out is not None else pl.DataFrame(schema=REQUEST_SCHEMA)
    segment = directive.cum_sum()
    frame = lines.with_columns(segment.alias("segment"), directive.alias("directive"))
    parsed: list[pl.DataFrame] = []
    for seg in frame["segment"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("segment") == seg)
        for line in part.filter(pl.col("directive"))["line"].to_list():
            _directive(line, state)
        data = part.filter(~pl.col("directive")).select("line_no", "line")
        if not len(data):
            continue
        out = _segment(data, state, counts)
        if out is None:
            counts.bad += len(data)
            if counts.first_bad is None:
                counts.first_bad = data["line"][0][:300]
            continue
        parsed.append(out)
    if not parsed:
        return pl.DataFrame(schema=REQUEST_SCHEMA)
    return _checked(pl.concat(parsed), counts)


def _checked(frame: pl.DataFrame, counts: LineCounts) -> pl.DataFrame:
    """The lines that parsed, counting those that did not."""
    ok = (
        pl.col("shaped")
        & pl.col("end_s").is_not_null()
        & pl.col("status").is_not_null()
        & pl.col("request_time").is_not_null()
        & pl.col("method").str.contains("^[A-Z]+$")
        & pl.col("path").str.starts_with("/")
    ).fill_null(False)
    frame = frame.with_columns(ok.alias("ok"))
    bad = len(frame) - int(frame["ok"].sum())
    counts.bad += bad
    if bad and counts.first_bad is None:
        counts.first_bad = frame.filter(~pl.col("ok"))["line"][0][:300]
    if counts.utc_offset_s is None:
        counts.utc_offset_s = 0
    good = frame.filter(pl.col("ok")) if bad else frame
    return good.select(
        "end_s", "client", "user", "agent", "method", "path", "status", "request_time", "line_no"
    )

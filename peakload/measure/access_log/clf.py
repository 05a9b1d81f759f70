"""The Common Log Format family: ``common``, ``combined``, and either followed by a duration.

Apache's and nginx's lines, as their default configurations write them::

    common:    %h %l %u %t "%r" %>s %b
    combined:  %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"

    127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326

followed, where a server was told to, by how long the request took:

- Apache ``%D``: microseconds, an integer (``common-usec``, ``combined-usec``);
- Apache ``%T``: whole seconds, an integer (``common-sec``, ``combined-sec``);
- nginx ``$request_time``: seconds with a dot and three decimals, optionally
  then ``$msec``, the end in epoch seconds (``nginx``).

What the stamp means differs: Apache's ``%t`` is when the request *started*
(the line is written when it ends, so a file is in end order and its stamps
are out of order by the durations), nginx's ``$time_local`` is when it
*ended*. Without a duration the two coincide: start = end = the stamp.

A line is split at its double quotes, inside polars (not in a Python loop,
and not with one big regular expression, which costs seven times as much
CPU): a combined line has seven fields, a common line three, since nginx
writes a quote inside a field as ``\\x22`` and Apache as ``\\"`` (which is
replaced before splitting). The stamp is read by position (its width is
fixed) with the few distinct days and zones of a batch looked up once each,
not parsed line by line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import polars as pl

from peakload.measure.access_log.formats import LogFormat

if TYPE_CHECKING:  # lines imports this module: the type only, for the checker
    from peakload.measure.access_log.lines import LineCounts

COMBINED_FIELDS = 7
"""A combined line split at its double quotes: head, request, status and bytes, referer,
a space, user agent, and the tail (the duration, if any)."""
COMMON_FIELDS = 3
"""A common line split at its double quotes: head, request, and status, bytes and tail."""

STAMP_DAY_BYTES = len("[27/Apr/2020:09:15:02")
STAMP_ZONE_BYTES = len("+0700]")

_COMBINED = {LogFormat.COMBINED, LogFormat.COMBINED_USEC, LogFormat.COMBINED_SEC, LogFormat.NGINX}
_START_STAMPED = {
    LogFormat.COMMON_USEC,
    LogFormat.COMBINED_USEC,
    LogFormat.COMMON_SEC,
    LogFormat.COMBINED_SEC,
}
_LINE = re.compile(
    r'^\S+ \S+ \S+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "[^"]*" \d{3} (?:\d+|-)'
    r'(?P<combined> "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*")?(?P<tail>(?: \S+)*)\s*$'
)
_SECONDS = re.compile(r"^\d+\.\d{3}$")

USEC_AT_LEAST = 60
"""A log whose integer durations reach this is in microseconds (Apache ``%D``): a ``%T``
log's first lines do not all take a minute (most take 0 s), and Apache serves nothing,
not even a tiny static file, in under 60 microseconds (its ``%D`` for one is some
hundreds). A log whose integers all stay below it is ``%T`` (whole seconds)."""


def detect(lines: list[str]) -> LogFormat | None:
    """Which member of the family the lines are, or None when they are none of it.

    Decided on the lines that match (at least half of them must): the tail
    after the status and size, or after the user agent, tells the duration.
    """
    kinds: list[LogFormat | None] = []
    durations: list[int] = []
    for line in lines:
        match = _LINE.match(line)
        if match is None:
            continue
        combined = match["combined"] is not None
        tail = match["tail"].split()
        if not tail:
            kinds.append(LogFormat.COMBINED if combined else LogFormat.COMMON)
        elif len(tail) <= 2 and all(_SECONDS.match(t) or re.match(r"^\d+\.\d+$", t) for t in tail):
            kinds.append(LogFormat.NGINX if combined else None)
        elif len(tail) == 1 and tail[0].isdigit():
            durations.append(int(tail[0]))
            kinds.append(LogFormat.COMBINED_SEC if combined else LogFormat.COMMON_SEC)
        else:
            kinds.append(None)
    if not kinds or len(kinds) * 2 < len(lines):
        return None
    found = max(set(kinds), key=lambda k: (kinds.count(k), str(k)))
    if found is None:
        return None
    if durations and max(durations) >= USEC_AT_LEAST:
        return LogFormat.COMBINED_USEC if found is LogFormat.COMBINED_SEC else LogFormat.COMMON_USEC
    return found


def _field(parts: pl.Expr, i: int) -> pl.Expr:
    return parts.list.get(i, null_on_oob=True)


def _lookup(values: pl.Series, convert: Callable[[str], int]) -> pl.Series:
    """``convert`` applied to each distinct value once (a batch has a handful), mapped back."""
    table: dict[str, int | None] = {}
    for value in values.unique().drop_nulls().to_list():
        try:
            table[value] = convert(value)
        except ValueError:
            table[value] = None
    return values.replace_strict(table, default=None, return_dtype=pl.Int64)


def _day_epoch(day: str) -> int:
    return int(datetime.strptime(day, "%d/%b/%Y").replace(tzinfo=UTC).timestamp())


def _zone_seconds(zone: str) -> int:
    if len(zone) != 5 or zone[0] not in "+-" or not zone[1:].isdigit():
        raise ValueError(zone)
    sign = -1 if zone[0] == "-" else 1
    return sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)


def stamp_epoch(frame: pl.DataFrame) -> pl.Series:
    """Epoch seconds of the ``day`` ("[10/Oct/2000:13:55:36") and ``zone`` ("-0700]")
    columns; null where either is not so shaped."""
    day, zone = frame["day"], frame["zone"]
    shaped = (day.str.len_bytes() == STAMP_DAY_BYTES) & (zone.str.len_bytes() == STAMP_ZONE_BYTES)
    days = _lookup(day.str.slice(1, 11), _day_epoch)
    offsets = _lookup(zone.str.slice(0, 5), _zone_seconds)
    clock = frame.select(
        pl.col("day").str.slice(13, 2).cast(pl.Int64, strict=False) * 3600
        + pl.col("day").str.slice(16, 2).cast(pl.Int64, strict=False) * 60
        + pl.col("day").str.slice(19, 2).cast(pl.Int64, strict=False)
    ).to_series()
    epoch = days + clock - offsets
    return pl.select(pl.when(shaped).then(epoch)).to_series().cast(pl.Float64)


def minute_keys(lines: pl.DataFrame) -> pl.Series:
    """Each line's stamp to the minute with its zone, ``10/Oct/2000:13:55 -0700``, read by
    position after the first ``[`` (for counting lines per day; see :func:`decode_minute`)."""
    stamp = lines["line"].str.split_exact("[", 1).struct.field("field_1")
    return pl.select(pl.concat_str(stamp.str.slice(0, 17), stamp.str.slice(20, 6))).to_series()


def decode_minute(key: str) -> float:
    """Epoch seconds of a :func:`minute_keys` key (ValueError when it is none)."""
    return datetime.strptime(key, "%d/%b/%Y:%H:%M %z").timestamp()


def parse(lines: pl.DataFrame, fmt: LogFormat, counts: LineCounts) -> pl.DataFrame:
    """One batch of ``line_no``, ``line`` in ``fmt`` into the reader's columns."""
    combined = fmt in _COMBINED
    text = pl.col("line")
    if lines["line"].str.contains('\\"', literal=True).any():  # Apache's escaped quote
        text = text.str.replace_all('\\"', "'", literal=True)
    # In stages: each split runs once (eager expressions are not shared).
    frame = lines.with_columns(text.str.split('"').alias("q"))
    quoted = pl.col("q")
    expected = COMBINED_FIELDS if combined else COMMON_FIELDS
    if combined:
        status_etc = _field(quoted, 2)  # " 201 187 ": the status is its characters 1-3
        tail = _field(quoted, 6).str.strip_chars().str.split(" ")
        agent = _field(quoted, 5)
    else:
        rest = _field(quoted, 2).str.strip_chars().str.split(" ")
        status_etc = pl.lit(" ") + rest.list.first() + pl.lit(" ")
        tail = rest.list.slice(2)
        agent = pl.lit("-")
    frame = frame.with_columns(
        (quoted.list.len() == expected).alias("quoted"),
        _field(quoted, 0).str.split(" ").alias("head"),
        _field(quoted, 1).str.split(" ").alias("request"),
        status_etc.alias("middle"),
        agent.alias("agent"),
        tail.alias("tail"),
    )
    head, request = pl.col("head"), pl.col("request")
    tail, middle = pl.col("tail"), pl.col("middle")
    empty = (_field(tail, 0) == "").fill_null(False)  # "" splits to [""]
    tail_len = tail.list.len() - empty.cast(pl.UInt32)
    frame = frame.select(
        pl.col("line_no"),
        pl.col("line"),
        pl.col("quoted"),
        _field(head, 0).alias("client"),
        _field(head, 2).alias("user"),
        _field(head, 3).alias("day"),
        _field(head, 4).alias("zone"),
        _field(request, 0).alias("method"),
        _field(request, 1).alias("path"),
        pl.when(middle.str.slice(4, 1) == " ")
        .then(middle.str.slice(1, 3).cast(pl.Int32, strict=False))
        .alias("status"),
        pl.col("agent"),
        tail_len.alias("tail_len"),
        _field(tail, 0).alias("took"),
        _field(tail, 1).alias("msec"),
    )
    frame, took_ok = _durations(frame, fmt)
    msec = frame["msec"].cast(pl.Float64, strict=False)
    if fmt is LogFormat.NGINX and not msec.null_count():
        # With $msec on every line the stamp is only checked for its shape; parsing it
        # would cost a third of the batch.
        stamp_shaped = (frame["day"].str.len_bytes() == STAMP_DAY_BYTES) & (
            frame["zone"].str.len_bytes() == STAMP_ZONE_BYTES
        )
        end = pl.select(pl.when(stamp_shaped).then(msec)).to_series()
    else:
        stamp = stamp_epoch(frame)
        if fmt is LogFormat.NGINX:
            end = pl.select(pl.when(msec.is_not_null()).then(msec).otherwise(stamp)).to_series()
        elif fmt in _START_STAMPED:
            end = stamp + frame["request_time"]
        else:
            end = stamp
    frame = frame.with_columns(end.alias("end_s"))
    shaped = (
        pl.col("quoted") & took_ok & pl.col("status").is_not_null() & pl.col("end_s").is_not_null()
    ).fill_null(False)
    # A line of the format whose request is no HTTP request to a path ("-" for a
    # connection that sent none, a 408; another protocol's bytes; a proxy's absolute URL)
    # is no user's request: counted apart, not as a line that does not parse.
    request = pl.col("method").str.contains("^[A-Z]+$") & pl.col("path").str.starts_with("/")
    frame = frame.with_columns(shaped.alias("shaped"), request.fill_null(False).alias("request"))
    frame = frame.with_columns((pl.col("shaped") & pl.col("request")).alias("parsed"))
    shaped_n, parsed_n = int(frame["shaped"].sum()), int(frame["parsed"].sum())
    counts.no_request += shaped_n - parsed_n
    bad = len(frame) - shaped_n
    counts.bad += bad
    if bad and counts.first_bad is None:
        counts.first_bad = frame.filter(~pl.col("shaped"))["line"][0][:300]
    good = frame.filter(pl.col("parsed")) if parsed_n < len(frame) else frame
    if counts.utc_offset_s is None and len(good):
        counts.utc_offset_s = _zone_seconds(good["zone"][0][:5])
    return good.select(
        "end_s", "client", "user", "agent", "method", "path", "status", "request_time", "line_no"
    )


def _durations(frame: pl.DataFrame, fmt: LogFormat) -> tuple[pl.DataFrame, pl.Expr]:
    """``request_time`` in seconds from the tail, and whether the tail is what ``fmt`` has."""
    took, tail_len = pl.col("took"), pl.col("tail_len")
    if fmt in (LogFormat.COMMON, LogFormat.COMBINED):
        return frame.with_columns(pl.lit(0.0).alias("request_time")), tail_len == 0
    if fmt in (LogFormat.COMMON_USEC, LogFormat.COMBINED_USEC):
        seconds = took.cast(pl.Int64, strict=False) / 1e6
        ok = tail_len == 1
    elif fmt in (LogFormat.COMMON_SEC, LogFormat.COMBINED_SEC):
        seconds = took.cast(pl.Int64, strict=False).cast(pl.Float64)
        ok = tail_len == 1
    else:  # nginx: $request_time [$msec]
        seconds = took.cast(pl.Float64, strict=False)
        ok = (tail_len >= 1) & (tail_len <= 2)
    frame = frame.with_columns(seconds.alias("request_time"))
    return frame, ok & pl.col("request_time").is_not_null()

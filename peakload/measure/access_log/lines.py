"""Reading access-log lines into columns, a batch at a time.

Two formats:

- ``combined``: nginx's ``combined`` log format followed by ``$request_time``
  and, optionally, ``$msec`` (the end of the request in epoch seconds with
  millisecond resolution). In nginx::

      log_format peakload '$remote_addr - $remote_user [$time_local] "$request" '
                          '$status $body_bytes_sent "$http_referer" '
                          '"$http_user_agent" $request_time $msec';

  Without ``$msec`` the end time has ``$time_local``'s one-second resolution:
  think times stay right on average, but each one is blurred by up to a second.
- ``jsonl``: one JSON object per line with ``time`` (epoch seconds, end of the
  request), ``remote_addr``, ``remote_user``, ``method``, ``path``,
  ``status``, ``request_time`` and optionally ``user_agent``.

Each batch becomes a polars DataFrame with the columns of :data:`COLUMNS`,
parsed by splitting inside polars (not in a Python loop, and not with one big
regular expression, which costs seven times as much CPU): a combined line
split at its double quotes has seven fields, since nginx writes a quote
inside a field as ``\\x22``. A line that does not split so, or whose
status, request time or method is not what it should be, does not parse.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from peakload.measure.access_log.formats import LogFormat

BATCH_LINES = 100_000

QUOTED_FIELDS = 7
"""A combined line split at its double quotes: head, request, status and bytes,
referer, a space, user agent, and the tail (request time, msec)."""

STAMP_DAY_BYTES = len("[27/Apr/2020:09:15:02")
STAMP_ZONE_BYTES = len("+0700]")

COLUMNS = ("end_s", "client", "user", "agent", "method", "path", "status", "request_time")
"""end_s: end of the request, epoch seconds; request_time: seconds it took."""


@dataclass
class LineCounts:
    """Lines read, and lines that did not parse with the first such line."""

    total: int = 0
    bad: int = 0
    first_bad: str | None = None
    utc_offset_s: int | None = None  # the log's UTC offset (combined format), if it said
    per_batch: list[int] = field(default_factory=list)

    @property
    def bad_share(self) -> float:
        return self.bad / self.total if self.total else 0.0


def detect_format(path: Path) -> LogFormat:
    """``jsonl`` when the first non-empty line is a JSON object, else ``combined``."""
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.strip()
            if line:
                return LogFormat.JSONL if line.startswith(b"{") else LogFormat.COMBINED
    return LogFormat.COMBINED


CHUNK_BYTES = 4 * 2**20


def _line_batches(path: Path, batch_lines: int) -> Iterator[pl.Series]:
    """The file's non-empty lines, ``batch_lines`` at a time (the last batch fewer).

    The file is read in chunks of bytes cut at a line end, and each chunk is
    split into lines by polars' CSV reader with a separator no log line holds
    (so each line is one field): no Python loop over lines.
    """
    pending = pl.Series("line", [], dtype=pl.String)
    carry = b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(CHUNK_BYTES)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            carry = data[cut:]
            if cut:
                lines = _split_lines(data[:cut])
                pending = pl.concat([pending, lines], rechunk=False) if len(pending) else lines
            while len(pending) >= batch_lines or (not block and len(pending)):
                yield pending.head(batch_lines)
                pending = pending.slice(batch_lines)
            if not block:
                return


def _split_lines(data: bytes) -> pl.Series:
    lines = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
    )["line"]
    keep = lines.str.strip_chars().fill_null("") != ""  # blank lines are no requests
    return lines if keep.all() else lines.filter(keep)


def _field(parts: pl.Expr, i: int) -> pl.Expr:
    return parts.list.get(i, null_on_oob=True)


def _combined(lines: pl.Series, counts: LineCounts) -> pl.DataFrame:
    # In stages: each split runs once (eager expressions are not shared).
    frame = pl.DataFrame({"line": lines}).with_columns(pl.col("line").str.split('"').alias("q"))
    quoted = pl.col("q")
    frame = frame.with_columns(
        (quoted.list.len() == QUOTED_FIELDS).alias("quoted"),
        _field(quoted, 0).str.split(" ").alias("head"),
        _field(quoted, 1).str.split(" ").alias("request"),
        _field(quoted, 2).alias("middle"),  # " 201 187 ": the status is its characters 1-3
        _field(quoted, 5).alias("agent"),
        _field(quoted, 6).str.strip_chars().str.split(" ").alias("tail"),
    )
    head, request, tail = pl.col("head"), pl.col("request"), pl.col("tail")
    middle = pl.col("middle")
    frame = frame.select(
        pl.col("line"),
        pl.col("quoted"),
        _field(head, 0).alias("client"),
        _field(head, 2).alias("user"),
        _field(head, 3).alias("day"),  # [27/Apr/2020:09:15:02
        _field(head, 4).alias("zone"),  # +0700]
        _field(request, 0).alias("method"),
        _field(request, 1).alias("path"),
        pl.when(middle.str.slice(4, 1) == " ")
        .then(middle.str.slice(1, 3).cast(pl.Int32, strict=False))
        .alias("status"),
        pl.col("agent"),
        # nginx's and Apache's default combined has no duration after the agent: a request
        # then takes no time, and think times are the gaps between timestamps.
        pl.when(_field(tail, 0) == "")
        .then(pl.lit(0.0))
        .otherwise(_field(tail, 0).cast(pl.Float64, strict=False))
        .alias("request_time"),
        _field(tail, 1).cast(pl.Float64, strict=False).alias("msec"),
    )
    # With $msec on every line the stamp is only checked for its shape ("[27/Apr/2020:09:00:00"
    # and "+0700]"); without it, it is parsed, which costs a third of the batch.
    day, zone = pl.col("day"), pl.col("zone")
    if frame["msec"].null_count():
        stamp = day.str.slice(1) + " " + zone.str.strip_chars_end("]")
        when = stamp.str.strptime(pl.Datetime("ms", "UTC"), "%d/%b/%Y:%H:%M:%S %z", strict=False)
    else:
        when = pl.when(
            (day.str.len_bytes() == STAMP_DAY_BYTES) & (zone.str.len_bytes() == STAMP_ZONE_BYTES)
        ).then(pl.lit(0, pl.Datetime("ms", "UTC")))
    frame = frame.with_columns(when.alias("when"))  # once: without $msec it is the costly part
    parsed = (
        pl.col("quoted")
        & pl.col("status").is_not_null()
        & pl.col("request_time").is_not_null()
        & pl.col("when").is_not_null()
        & pl.col("method").str.contains("^[A-Z]+$")
        & pl.col("path").str.starts_with("/")
    ).fill_null(False)
    frame = frame.with_columns(parsed.alias("parsed"))
    bad = len(frame) - int(frame["parsed"].sum())
    counts.bad += bad
    if bad and counts.first_bad is None:
        counts.first_bad = frame.filter(~pl.col("parsed"))["line"][0][:300]
    end = (
        pl.when(pl.col("msec").is_not_null())
        .then(pl.col("msec"))
        .otherwise(pl.col("when").dt.epoch("ms").cast(pl.Float64) / 1000.0)
    )
    columns = (end.alias("end_s"), *(pl.col(name) for name in COLUMNS[1:]), pl.col("zone"))
    # Select before filtering, so the raw lines are never copied; most batches have no
    # bad line at all and need no filter.
    good = frame.select(*columns, pl.col("parsed"))
    good = (good.filter(pl.col("parsed")) if bad else good).drop("parsed")
    if counts.utc_offset_s is None and len(good):
        offset = good["zone"][0]
        sign = -1 if offset.startswith("-") else 1
        counts.utc_offset_s = sign * (int(offset[1:3]) * 3600 + int(offset[3:5]) * 60)
    return good.drop("zone")


def _jsonl(lines: pl.Series, counts: LineCounts) -> pl.DataFrame:
    rows, bad = [], 0
    for line in lines.to_list():
        try:
            item = json.loads(line)
            rows.append(
                (
                    float(item["time"]),
                    str(item.get("remote_addr") or "-"),
                    str(item["remote_user"]) if item.get("remote_user") is not None else "-",
                    str(item.get("user_agent") or "-"),
                    str(item["method"]),
                    str(item["path"]),
                    int(item["status"]),
                    float(item["request_time"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            bad += 1
            if counts.first_bad is None:
                counts.first_bad = line[:300]
    counts.bad += bad
    schema = {
        "end_s": pl.Float64,
        "client": pl.String,
        "user": pl.String,
        "agent": pl.String,
        "method": pl.String,
        "path": pl.String,
        "status": pl.Int32,
        "request_time": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def read_batches(
    path: str | Path,
    fmt: LogFormat = LogFormat.AUTO,
    counts: LineCounts | None = None,
    batch_lines: int = BATCH_LINES,
) -> Iterator[pl.DataFrame]:
    """Yield the log's requests as DataFrames of :data:`COLUMNS`, batch by batch.

    ``counts`` (updated as batches are read) tells how many lines there were
    and how many did not parse.
    """
    path = Path(path)
    counts = counts if counts is not None else LineCounts()
    if fmt is LogFormat.AUTO:
        fmt = detect_format(path)
    parse = _combined if fmt is LogFormat.COMBINED else _jsonl
    for lines in _line_batches(path, batch_lines):
        counts.total += len(lines)
        frame = parse(lines, counts)
        counts.per_batch.append(len(frame))
        yield frame

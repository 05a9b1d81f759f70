"""JSON lines: one JSON object per request, as log pipelines ship them.

Which key holds what is the :class:`JsonFields` mapping (``--fields
time=ts,path=url,...``); its defaults are the names peakload's mock writes:
``time`` (epoch seconds, the request's end), ``remote_addr``,
``remote_user``, ``user_agent``, ``method``, ``path``, ``status`` and
``request_time`` (seconds). A mapping may instead name ``request`` (an HTTP
request line, ``"GET /x HTTP/1.1"``) for the method and path.

``time`` may be epoch seconds (a number, or a string of one) or an ISO-8601
time with its offset (``2020-04-27T09:15:02.417+07:00``; without an offset it
is UTC). A suffix says more: ``time=ts:start`` when it is the request's
start, ``request_time=took:ms`` (or ``:us``) for a duration in milliseconds
(microseconds). Without ``request_time`` in the lines there are no durations.

A batch is decoded by polars' NDJSON reader (numbers stay numbers, a key whose
values mix types is read as text, then each column is cast), not line by line;
a batch holding a line that is not JSON at all is decoded with
:func:`json.loads` one line at a time instead, so that the bad line is
counted and shown and the others kept.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from peakload.measure.access_log.frame import REQUEST_SCHEMA

if TYPE_CHECKING:  # lines imports this module: the type only, for the checker
    from peakload.measure.access_log.lines import LineCounts

_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


class FieldsError(ValueError):
    """A ``--fields`` mapping that cannot be used."""


@dataclass(frozen=True)
class JsonFields:
    """The JSON key of each column, and what the time and duration are."""

    time: str = "time"
    client: str = "remote_addr"
    user: str = "remote_user"
    agent: str = "user_agent"
    method: str = "method"
    path: str = "path"
    request: str | None = None
    status: str = "status"
    request_time: str = "request_time"
    time_is_start: bool = False
    duration_unit: float = 1.0

    @classmethod
    def parse(cls, text: str | None) -> JsonFields:
        """From ``"time=ts:start,path=url,request_time=took:ms"``; unnamed keys keep
        their defaults."""
        if not text:
            return cls()
        names = {f.name for f in fields(cls)} - {"time_is_start", "duration_unit"}
        values: dict[str, Any] = {}  # per field: a key (str), time_is_start, duration_unit
        for item in text.split(","):
            key, sep, value = item.strip().partition("=")
            if not sep or key not in names or not value:
                raise FieldsError(
                    f"--fields: {item.strip()!r} is not NAME=KEY with NAME one of "
                    f"{', '.join(sorted(names))}"
                )
            value, _, suffix = value.partition(":")
            if key == "time" and suffix:
                if suffix not in ("start", "end"):
                    raise FieldsError(f"--fields: time=...:{suffix}: say :start or :end")
                values["time_is_start"] = suffix == "start"
            if key == "request_time" and suffix:
                if suffix not in _UNITS:
                    raise FieldsError(f"--fields: request_time=...:{suffix}: say :s, :ms or :us")
                values["duration_unit"] = _UNITS[suffix]
            values[key] = value
        return cls(**values)


def _epoch(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "-" if value is None or value == "" else str(value)


def parse_jsonl(lines: pl.DataFrame, counts: LineCounts, names: JsonFields) -> pl.DataFrame:
    """One batch of ``line_no``, ``line`` into the reader's columns."""
    if counts.utc_offset_s is None:
        counts.utc_offset_s = 0  # epoch seconds: UTC
    try:
        return _decoded(lines, counts, names)
    except pl.exceptions.PolarsError:  # a line that is not JSON: one at a time
        return _line_by_line(lines, counts, names)


def minute_keys(lines: pl.DataFrame, names: JsonFields) -> pl.Series:
    """Each line's time, to the minute, as epoch seconds in text: for counting lines per
    day, so the time is found by a pattern (``"time": ...``), not by decoding the line
    (a third of the cost); a line without it counts for no day."""
    pattern = '"' + re.escape(names.time) + r'"\s*:\s*"?([^,"}]+)'
    stamp = lines["line"].str.extract(pattern, 1)
    epoch = stamp.cast(pl.Float64, strict=False)
    if (epoch.is_null() & stamp.is_not_null()).any():
        iso = stamp.str.to_datetime(time_unit="ms", time_zone="UTC", strict=False)
        epoch = epoch.fill_null(iso.dt.epoch("ms") / 1000.0)
    return ((epoch // 60) * 60).cast(pl.Int64).cast(pl.String)


def _column(raw: pl.DataFrame, key: str, numeric: bool) -> pl.Series:
    """The key's values: text (numbers written as text), or numbers (text parsed)."""
    if key not in raw.columns:
        return pl.Series(key, [None] * len(raw), dtype=pl.String)
    values = raw[key]
    if numeric and values.dtype.is_numeric():
        return values.cast(pl.Float64)
    if values.dtype.is_nested():
        return pl.Series(key, [None] * len(raw), dtype=pl.String)
    return values.cast(pl.String)


def _decoded(lines: pl.DataFrame, counts: LineCounts, names: JsonFields) -> pl.DataFrame:
    # polars' NDJSON reader on the batch's lines: numbers stay numbers, a key whose
    # values mix types is read as text; a line that is not JSON raises.
    raw = pl.read_ndjson(io.BytesIO("\n".join(lines["line"].to_list()).encode()))
    if len(raw) != len(lines):
        raise pl.exceptions.ComputeError("lines and records differ")
    numeric = {names.time, names.status, names.request_time}
    keys = [names.time, names.client, names.user, names.agent, names.status, names.request_time]
    keys += [names.request] if names.request is not None else [names.method, names.path]
    items = pl.DataFrame({key: _column(raw, key, key in numeric) for key in dict.fromkeys(keys)})
    frame = pl.concat([lines, items], how="horizontal")

    def text(key: str) -> pl.Expr:
        value = pl.col(key)
        return pl.when(value.is_null() | (value == "")).then(pl.lit("-")).otherwise(value)

    if names.request is not None:
        request = pl.col(names.request).str.split(" ")
        method, path = request.list.get(0, null_on_oob=True), request.list.get(1, null_on_oob=True)
    else:
        method, path = pl.col(names.method), pl.col(names.path)
    stamp = pl.col(names.time)
    epoch = stamp.cast(pl.Float64, strict=False)
    if frame.select((epoch.is_null() & stamp.is_not_null()).any()).item():  # ISO 8601 times
        iso = stamp.str.to_datetime(time_unit="ms", time_zone="UTC", strict=False)
        epoch = pl.coalesce(epoch, iso.dt.epoch("ms") / 1000.0)
    took = pl.col(names.request_time).cast(pl.Float64, strict=False) * names.duration_unit
    frame = frame.select(
        "line_no",
        "line",
        epoch.alias("stamp"),
        text(names.client).alias("client"),
        text(names.user).alias("user"),
        text(names.agent).alias("agent"),
        method.alias("method"),
        path.alias("path"),
        pl.col(names.status)
        .cast(pl.Float64, strict=False)
        .cast(pl.Int32, strict=False)
        .alias("status"),
        took.alias("request_time"),
    )
    if frame["request_time"].null_count():
        counts.durations = False
    took = pl.col("request_time").fill_null(0.0)
    end = pl.col("stamp") + took if names.time_is_start else pl.col("stamp")
    frame = frame.with_columns(end.alias("end_s"), took.alias("request_time"))
    ok = (
        pl.col("end_s").is_not_null()
        & pl.col("method").is_not_null()
        & pl.col("path").is_not_null()
        & pl.col("status").is_not_null()
    )
    frame = frame.with_columns(ok.alias("ok"))
    bad = len(frame) - int(frame["ok"].sum())
    counts.bad += bad
    if bad and counts.first_bad is None:
        counts.first_bad = frame.filter(~pl.col("ok"))["line"][0][:300]
    good = frame.filter(pl.col("ok")) if bad else frame
    return good.select(list(REQUEST_SCHEMA)).cast(REQUEST_SCHEMA)


def _line_by_line(lines: pl.DataFrame, counts: LineCounts, names: JsonFields) -> pl.DataFrame:
    rows: list[tuple[float, str, str, str, str, str, int, float, int]] = []
    bad = 0
    for line_no, line in lines.select("line_no", "line").iter_rows():
        try:
            item = json.loads(line)
            if names.request is not None:
                method, path = str(item[names.request]).split(" ")[:2]
            else:
                method, path = str(item[names.method]), str(item[names.path])
            took = item.get(names.request_time)
            if took is None:
                counts.durations = False
                took_s = 0.0
            else:
                took_s = float(took) * names.duration_unit
            stamp = _epoch(item[names.time])
            end = stamp + took_s if names.time_is_start else stamp
            rows.append(
                (
                    end,
                    _text(item, names.client),
                    _text(item, names.user),
                    _text(item, names.agent),
                    method,
                    path,
                    int(item[names.status]),
                    took_s,
                    line_no,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            bad += 1
            if counts.first_bad is None:
                counts.first_bad = line[:300]
    counts.bad += bad
    return pl.DataFrame(rows, schema=REQUEST_SCHEMA, orient="row")

"""The logs as one stream of one day's requests, in time order, on one clock.

:func:`open_logs` tells each file's format (``--format auto`` looks at each
file's first lines, so three IIS servers and an nginx in front may be read
together), picks the clock (:mod:`~.clock`) and the day:

- ``--day YYYY-MM-DD`` when given; a day the logs do not have is refused,
  listing the days they have;
- else the busiest day (most requests), found by a first pass over the files
  that only counts requests per day. The other days are named, with their
  counts, in what :class:`LogSource` reports.

:meth:`LogSource.batches` is then the second pass: every file read batch by
batch, merged by time within the ``--max-skew`` window (:mod:`~.order`),
cut to the day. Memory is bounded by the batch, the window and the days.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from peakload.measure.access_log.clock import DAY_S, LogClock, day_of
from peakload.measure.access_log.formats import DEFAULT_MAX_SKEW_S, LogFormat
from peakload.measure.access_log.jsonl import JsonFields
from peakload.measure.access_log.lines import (
    BATCH_LINES,
    LineCounts,
    LogReader,
    detect_format,
    first_lines,
)
from peakload.measure.access_log.order import merge

_ZONE = re.compile(r"\[[^\]]* ([+-]\d{4})\]")


class SourceError(ValueError):
    """Logs that cannot be read as one day: one line saying why."""


@dataclass
class LogSource:
    """The files, their formats, the clock, the day, and what was read."""

    paths: list[Path]
    formats: dict[Path, LogFormat]
    clock: LogClock
    day: date
    midnight_s: float  # epoch seconds of the day's local midnight
    requests_per_day: dict[date, int]
    max_skew_s: float
    batch_lines: int = BATCH_LINES
    fields: JsonFields = field(default_factory=JsonFields)
    lines: LineCounts = field(default_factory=LineCounts)
    other_days: int = 0  # requests read on other days than ``day``
    day_given: bool = False  # --day said which; else the busiest
    first_pass_lines: int = 0  # lines the first pass (the days) read

    @property
    def durations(self) -> bool:
        """Whether every line said how long its request took."""
        return self.lines.durations

    @property
    def skipped_days(self) -> dict[date, int]:
        return {d: n for d, n in sorted(self.requests_per_day.items()) if n and d != self.day}

    def describe_formats(self) -> str:
        kinds = Counter(self.formats.values())
        return "; ".join(f"{fmt.describe} ({n} file{'s' * (n > 1)})" for fmt, n in kinds.items())

    def batches(self, progress: Callable[[int], None] | None = None) -> Iterator[pl.DataFrame]:
        """The day's requests, in start order, batch by batch (the reader's columns)."""
        readers = [
            (path, LogReader(path, self.formats[path], self.lines, self.batch_lines, self.fields))
            for path in self.paths
        ]
        start, end = self.midnight_s, self.midnight_s + DAY_S
        count = not self.requests_per_day  # --day given: no first pass counted the days
        per_day: Counter[date] = Counter()
        for frame in merge(readers, self.max_skew_s):
            begins = pl.col("end_s") - pl.col("request_time")
            inside = (begins >= start) & (begins < end)
            today = frame.filter(inside)
            if len(today) < len(frame):
                self.other_days += len(frame) - len(today)
                if count:
                    others = frame.filter(~inside).select(begins).to_series().to_numpy()
                    for number, n in Counter(self.clock.days(others).tolist()).items():
                        per_day[day_of(number)] += n
            if count:
                per_day[self.day] += len(today)
            if progress is not None:
                progress(self.first_pass_lines + self.lines.total)
            if len(today):
                yield today
        if count:
            self.requests_per_day = dict(per_day)


def _log_clock(path: Path, fmt: LogFormat) -> LogClock:
    """The clock the file's own stamps are on: the offset its first stamped line says
    (Apache, nginx), or UTC (W3C; JSON lines' epoch times)."""
    if fmt is LogFormat.W3C:
        return LogClock.utc("W3C logs (IIS) are written in UTC")
    if fmt is LogFormat.JSONL:
        return LogClock.utc("JSON lines' times read as UTC unless they carry an offset")
    for line in first_lines(path):
        match = _ZONE.search(line)
        if match:
            zone = match[1]
            sign = -1 if zone[0] == "-" else 1
            return LogClock.from_log(sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60))
    return LogClock.from_log(None)


def count_days(
    paths: Sequence[Path],
    formats: dict[Path, LogFormat],
    clock: LogClock,
    batch_lines: int,
    fields: JsonFields,
    progress: Callable[[int], None] | None = None,
) -> Counter[date]:
    """Requests per local day (by their start), over every file: the first, cheap pass."""
    per_day: Counter[date] = Counter()
    done = 0
    for path in paths:
        reader = LogReader(path, formats[path], LineCounts(), batch_lines, fields)
        minutes = list(reader.minute_counts())
        if not minutes:
            continue
        numbers = clock.days(np.array([epoch for epoch, _ in minutes]))
        for number, (_, n) in zip(numbers.tolist(), minutes, strict=True):
            per_day[day_of(number)] += n
        done += sum(n for _, n in minutes)
        if progress is not None:
            progress(done)
    return per_day


def open_logs(
    paths: Sequence[str | Path],
    fmt: LogFormat = LogFormat.AUTO,
    *,
    tz: LogClock | None = None,
    day: date | None = None,
    max_skew_s: float = DEFAULT_MAX_SKEW_S,
    fields: JsonFields | None = None,
    batch_lines: int = BATCH_LINES,
    progress: Callable[[int], None] | None = None,
) -> LogSource:
    """The logs' formats, clock and day (see the module's docstring)."""
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
    formats = {path: detect_format(path) if fmt is LogFormat.AUTO else fmt for path in files}
    if tz is None:
        tz = _log_clock(files[0], formats[files[0]])  # the first file's, for all
    fields = fields or JsonFields()
    per_day: Counter[date] = Counter()
    given = day is not None
    first_pass = 0
    if day is None:
        per_day = count_days(files, formats, tz, batch_lines, fields, progress)
        if not per_day:
            return LogSource(
                files, formats, tz, date(1970, 1, 1), 0.0, {}, max_skew_s, batch_lines, fields
            )
        day = max(sorted(per_day), key=lambda d: per_day[d])
    first_pass = sum(per_day.values())
    return LogSource(
        files,
        formats,
        tz,
        day,
        tz.midnight(day),
        dict(per_day),
        max_skew_s,
        batch_lines,
        fields,
        day_given=given,
        first_pass_lines=first_pass,
    )


def list_days(per_day: dict[date, int]) -> str:
    """``2020-04-27 (51,204), 2020-04-28 (49,870)`` for messages and headers."""
    days = [f"{d.isoformat()} ({n:,})" for d, n in sorted(per_day.items()) if n]
    return ", ".join(days) or "none"

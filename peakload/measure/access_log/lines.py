"""Reading access-log lines into columns, a batch at a time.

A file (plain or gzipped: ``.gz`` is recognised by its first bytes, not its
name) is read in chunks of bytes cut at a line end; each chunk is split into
lines by polars' CSV reader with a separator no log line holds (so each line
is one field), keeping each line's number in its file for the messages. No
Python loop runs over the lines of the text formats: each batch is parsed
into columns by splitting inside polars (:mod:`~.clf` for the Common Log
Format family, :mod:`~.w3c` for W3C extended); JSON lines are decoded one by
one (:mod:`~.jsonl`).

Each batch becomes a polars DataFrame with the columns of :data:`COLUMNS`. A
line that does not parse is counted, and the first is kept as the example.
:func:`detect_format` tells the format from the first lines
(``--format auto``), and says which it tried when none fits.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from peakload.measure.access_log import clf, w3c
from peakload.measure.access_log.formats import LogFormat
from peakload.measure.access_log.frame import COLUMNS
from peakload.measure.access_log.jsonl import JsonFields, parse_jsonl
from peakload.measure.access_log.jsonl import minute_keys as jsonl_minute_keys

BATCH_LINES = 100_000
CHUNK_BYTES = 4 * 2**20
DETECT_LINES = 20
"""How many of a file's first lines :func:`detect_format` looks at."""


class FormatError(ValueError):
    """A log whose format cannot be told or read: one line saying why."""


@dataclass
class LineCounts:
    """Lines read, and lines that did not parse with the first such line."""

    total: int = 0
    bad: int = 0
    first_bad: str | None = None
    directives: int = 0  # W3C '#' lines: read, not requests
    no_request: int = 0  # lines of the format without an HTTP request to a path (a 408's "-")
    utc_offset_s: int | None = None  # the log's UTC offset (Apache, nginx), if it said
    durations: bool = True  # every line said how long its request took
    per_batch: list[int] = field(default_factory=list)

    @property
    def bad_share(self) -> float:
        requests = self.total - self.directives
        return self.bad / requests if requests else 0.0


def open_log(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped when it starts with gzip's magic number."""
    handle = path.open("rb")
    if handle.read(2) == b"\x1f\x8b":
        handle.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    handle.seek(0)
    return handle


def first_lines(path: Path, count: int = DETECT_LINES) -> list[str]:
    """The file's first ``count`` non-empty lines (for detection and messages)."""
    lines: list[str] = []
    with open_log(path) as handle:
        for raw in handle:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                lines.append(line)
            if len(lines) >= count:
                break
    return lines


def detect_format(path: Path) -> LogFormat:
    """The format of the file's first lines, or :class:`FormatError` naming those tried.

    W3C when it opens with a ``#`` directive, JSON lines when with ``{``; else the
    Common Log Format family, told apart by what follows the status and size
    (:func:`~.clf.detect`).
    """
    lines = first_lines(path)
    if not lines:
        raise FormatError(f"{path}: empty log: no request lines")
    if lines[0].startswith("#"):
        return LogFormat.W3C
    if lines[0].startswith("{"):
        return LogFormat.JSONL
    found = clf.detect(lines)
    if found is None:
        tried = ", ".join(f.value for f in LogFormat if f is not LogFormat.AUTO)
        raise FormatError(
            f"{path}: cannot tell the log's format (tried {tried}); its first line: "
            f"{lines[0][:200]!r}; give --format"
        )
    return found


def _split_lines(data: bytes, first_no: int) -> pl.DataFrame:
    frame = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
    ).with_row_index("line_no", offset=first_no)
    if b"\r" in data:  # Windows line ends (IIS writes them)
        frame = frame.with_columns(pl.col("line").str.strip_chars_end("\r"))
    keep = frame["line"].str.strip_chars().fill_null("") != ""  # blank lines are no requests
    return frame if keep.all() else frame.filter(keep)


def _line_batches(path: Path, batch_lines: int) -> Iterator[pl.DataFrame]:
    """The file's non-empty lines with their numbers, ``batch_lines`` at a time."""
    pending = pl.DataFrame(schema={"line_no": pl.UInt32, "line": pl.String})
    carry = b""
    next_no = 1
    with open_log(path) as handle:
        while True:
            block = handle.read(CHUNK_BYTES)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            carry = data[cut:]
            if cut:
                chunk = data[:cut]
                lines = _split_lines(chunk, next_no)
                next_no += chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
                pending = pl.concat([pending, lines], rechunk=False) if len(pending) else lines
            while len(pending) >= batch_lines or (not block and len(pending)):
                yield pending.head(batch_lines)
                pending = pending.slice(batch_lines)
            if not block:
                return


class LogReader:
    """One file's requests, batch by batch, in the format given or detected.

    ``counts`` (updated as batches are read) tells how many lines there were
    and how many did not parse; ``fmt`` is the format read (never ``auto``).
    """

    def __init__(
        self,
        path: str | Path,
        fmt: LogFormat = LogFormat.AUTO,
        counts: LineCounts | None = None,
        batch_lines: int = BATCH_LINES,
        fields: JsonFields | None = None,
    ):
        self.path = Path(path)
        self.fmt = detect_format(self.path) if fmt is LogFormat.AUTO else fmt
        self.counts = counts if counts is not None else LineCounts()
        self.batch_lines = batch_lines
        self.fields = fields or JsonFields()
        self._w3c_state = w3c.W3CState()
        if not self.fmt.has_durations:
            self.counts.durations = False

    def __iter__(self) -> Iterator[pl.DataFrame]:
        self._w3c_state = w3c.W3CState()
        for lines in _line_batches(self.path, self.batch_lines):
            self.counts.total += len(lines)
            frame = self._parse(lines)
            self.counts.per_batch.append(len(frame))
            yield frame.select(COLUMNS)

    def _parse(self, lines: pl.DataFrame) -> pl.DataFrame:
        if self.fmt is LogFormat.W3C:
            return w3c.parse(lines, self.counts, self._w3c_state)
        if self.fmt is LogFormat.JSONL:
            return parse_jsonl(lines, self.counts, self.fields)
        return clf.parse(lines, self.fmt, self.counts)

    def minute_counts(self) -> Iterator[tuple[float, int]]:
        """(epoch second of a minute of stamps, lines stamped in it), for every minute
        stamped: the cheap first pass that finds the days. Only the stamp is read (by
        position, for the text formats): a line's stamp is its start or its end, as its
        format stamps, which tells its day but for requests that span midnight."""
        found: dict[str, int] = {}
        decode: Callable[[str], float] | None = None
        for lines in _line_batches(self.path, self.batch_lines):
            keys: pl.Series | None
            if self.fmt is LogFormat.W3C:
                keys, decode = w3c.minute_keys(lines, self._w3c_state)
            elif self.fmt is LogFormat.JSONL:
                keys, decode = jsonl_minute_keys(lines, self.fields), float
            else:
                keys, decode = clf.minute_keys(lines), clf.decode_minute
            if keys is None:  # W3C fields not led by date and time
                frame = self._parse(lines)
                keys = (frame["end_s"] - frame["request_time"]).floor().cast(pl.Int64)
                keys, decode = keys.cast(pl.String), float
            for key, n in keys.value_counts().iter_rows():
                if key is not None:
                    found[key] = found.get(key, 0) + n
        for key, n in found.items():
            assert decode is not None, "every batch sets decode, and found has keys after one"
            try:
                yield decode(key), n
            except ValueError:
                continue  # not a stamp: a line that does not parse


def read_batches(
    path: str | Path,
    fmt: LogFormat = LogFormat.AUTO,
    counts: LineCounts | None = None,
    batch_lines: int = BATCH_LINES,
    fields: JsonFields | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield one file's requests as DataFrames of :data:`COLUMNS`, batch by batch."""
    yield from LogReader(path, fmt, counts, batch_lines, fields)

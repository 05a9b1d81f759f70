"""How fast ``peakload scenario from-log`` reads a big access log, and in how much memory.

Builds a log of ``--lines`` lines (default 10 million) by repeating a base log
(``--base-log``: a real run's, e.g. a load test against ``serve --access-log``;
default: a synthetic closed workload of 50 users for 2 hours) with shifted
times and distinct users per copy, then runs ``peakload scenario from-log`` on
it in a child process, first on a tenth of the log and then on all of it,
and prints lines per second (wall and per CPU-second) and the child's peak
resident memory for each: memory that does not grow with the lines is what
streaming means. The baseline in the same run: the time to merely read the
file's lines in Python (``for line in file``).

Usage: python -m benchmarks.log_import_speed [--lines N] [--base-log FILE] [--keep]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from benchmarks import from_log_child
from peakload.measure.access_log.lines import LogFormat, read_batches

BLOCK_ROWS = 2_000
"""Rows of the base log per block: each block is written for every copy, then the next."""


def build_log(base: Path, lines: int, out: Path) -> int:
    """Repeat ``base`` into ``out`` until ``lines`` lines; returns the lines written.

    The copies run side by side, as many servers' users of one day, each shifted by
    up to 7 minutes: the base is written a block at a time, every copy's block sorted
    together, so the log is in time order within a few minutes (from-log runs with
    ``--max-skew`` 900), and its first tenth is the first tenth of the day.
    """
    (frame,) = read_batches(base, LogFormat.NGINX, batch_lines=10**9)
    # Each remote user (a unit code, or a real system's token subject) becomes a number,
    # so every copy's users are distinct; "-" (no one signed in yet) stays "-".
    signed_in = pl.col("user") != "-"
    frame = frame.with_columns(
        pl.when(signed_in).then(pl.col("user")).rank("dense").cast(pl.Int64).alias("number")
    )
    users = int(frame["number"].max() or 0) + 1
    copies = -(-lines // len(frame))
    written = 0
    with out.open("w") as handle:
        for start in range(0, len(frame), BLOCK_ROWS):
            block = frame.slice(start, BLOCK_ROWS)
            take = pl.concat(
                block.with_columns(
                    (pl.col("end_s") + (copy % 60) * 7.0).alias("end_s"),  # up to 7 minutes
                    pl.when(signed_in)
                    .then((pl.col("number") + copy * users).cast(pl.String))
                    .otherwise(pl.lit("-"))
                    .alias("user"),
                )
                for copy in range(copies)
            ).sort("end_s")
            take = take.head(min(len(take), lines - written))
            text = take.select(
                pl.format(
                    '{} - {} [{}] "{} {} HTTP/1.1" {} 120 "-" "{}" {} {}',
                    pl.col("client"),
                    pl.col("user"),
                    pl.from_epoch(pl.col("end_s"), time_unit="s").dt.strftime(
                        "%d/%b/%Y:%H:%M:%S +0000"
                    ),
                    pl.col("method"),
                    pl.col("path"),
                    pl.col("status"),
                    pl.col("agent"),
                    pl.col("request_time").round(3),
                    pl.col("end_s").round(3),
                )
            )
            handle.write("\n".join(text.to_series().to_list()) + "\n")
            written += len(take)
            if written >= lines:
                break
    return written


def run_from_log(log: Path, work: Path) -> tuple[float, float, float]:
    """``peakload scenario from-log`` on ``log`` in a child: wall s, CPU s, peak RSS MiB
    (:func:`benchmarks.from_log_child.run_from_log`)."""
    return from_log_child.run_from_log(log, work / "derived.toml", ["--max-skew", "900"])


def head(log: Path, lines: int, out: Path) -> None:
    """The first ``lines`` lines of ``log`` into ``out``."""
    with log.open("rb") as source, out.open("wb") as target:
        for _, line in zip(range(lines), source, strict=False):
            target.write(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--base-log", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the built log")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="peakload-logbench-"))
    base = args.base_log
    if base is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.peakload.measure.access_log.synthetic import write_log

        base = write_log(work / "base.log", users=50, think_mean=20.0, minutes=120)
    log = work / "big.log"
    started = time.perf_counter()
    lines = build_log(base, args.lines, log)
    size = log.stat().st_size
    print(
        f"built {lines:,} lines ({size / 2**20:,.0f} MiB) from {base} "
        f"in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    with log.open() as handle:
        count = sum(1 for _ in handle)
    read_s = time.perf_counter() - started
    print(f"baseline, Python reading the lines only: {read_s:.1f} s, {count / read_s:,.0f} lines/s")

    tenth = work / "tenth.log"
    head(log, lines // 10, tenth)
    cpu = {}
    for name, path, n in (("a tenth", tenth, lines // 10), ("all", log, lines)):
        wall_s, cpu[n], peak_mib = run_from_log(path, work)
        print(
            f"peakload scenario from-log, {name} ({n:,} lines): {wall_s:.1f} s wall, "
            f"{n / wall_s:,.0f} lines/s; CPU {cpu[n]:.1f} s over all its threads, "
            f"{n / cpu[n]:,.0f} lines per CPU-second; peak memory {peak_mib:,.0f} MiB"
        )
    more = lines - lines // 10
    extra_s = cpu[lines] - cpu[lines // 10]
    print(
        f"the other {more:,} lines cost {extra_s:.1f} CPU-s more: {more / extra_s:,.0f} lines per "
        "CPU-second once started (the command's start-up is in both runs)"
    )
    tenth.unlink()
    if not args.keep:
        log.unlink()
    else:
        print(f"log kept: {log}")


if __name__ == "__main__":
    main()

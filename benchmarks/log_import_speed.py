"""How fast ``peakload scenario from-log`` reads a big access log, and in how much memory.

Builds a log of ``--lines`` lines (default 10 million) by repeating a base log
(``--base-log``: a real run's, e.g. a load test against ``serve --access-log``;
default: a synthetic closed workload of 50 users for 2 hours) with shifted
times and distinct users per copy, then runs ``peakload scenario from-log`` on
it in a child process and prints lines per second and the child's peak
resident memory. The baseline in the same run: the time to merely read the
file's lines in Python (``for line in file``), so the ratio says what the
parsing and derivation cost on top of touching every line once.

Usage: python -m benchmarks.log_import_speed [--lines N] [--base-log FILE] [--keep]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from peakload.measure.access_log.lines import LogFormat, read_batches


def build_log(base: Path, lines: int, out: Path) -> int:
    """Repeat ``base`` into ``out`` until ``lines`` lines; returns the lines written."""
    (frame,) = read_batches(base, LogFormat.COMBINED, batch_lines=10**9)
    frame = frame.with_columns(pl.col("user").cast(pl.Int64, strict=False).fill_null(0))
    users = int(frame["user"].max()) + 1
    written = 0
    with out.open("w") as handle:
        copy = 0
        while written < lines:
            take = frame.head(lines - written)
            end = take["end_s"] + (copy % 60) * 7.0  # shifted by up to 7 minutes
            text = take.with_columns(end.alias("end_s")).select(
                pl.format(
                    '{} - {} [{}] "{} {} HTTP/1.1" {} 120 "-" "{}" {} {}',
                    pl.col("client"),
                    pl.col("user") + copy * users,
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
            copy += 1
    return written


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
        f"built {lines:,} lines ({size / 2**20:,.0f} MiB) in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    with log.open() as handle:
        count = sum(1 for _ in handle)
    read_s = time.perf_counter() - started
    print(f"baseline, Python reading the lines only: {read_s:.1f} s, {count / read_s:,.0f} lines/s")

    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "peakload.cli",
        "scenario",
        "from-log",
        str(log),
        "--quiet",
        "--out",
        str(work / "derived.toml"),
        "--no-plots",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    derive_s = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mib = usage.ru_maxrss / 1024
    cpu_s = usage.ru_utime + usage.ru_stime  # all threads of the child: contention-proof
    if result.returncode != 0:
        raise SystemExit(f"from-log failed ({result.returncode}): {result.stderr.strip()}")
    print(
        f"peakload scenario from-log: {derive_s:.1f} s, {lines / derive_s:,.0f} lines/s, "
        f"peak memory {peak_mib:,.0f} MiB ({derive_s / read_s:.1f}x the bare read)"
    )
    print(
        f"  CPU {cpu_s:.1f} s over all its threads: {lines / cpu_s:,.0f} lines per CPU-second "
        f"(the wall figure depends on what else the machine runs; this one hardly does)"
    )
    if not args.keep:
        log.unlink()
    else:
        print(f"log kept: {log}")


if __name__ == "__main__":
    main()

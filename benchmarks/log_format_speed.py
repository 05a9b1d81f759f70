"""How fast ``peakload scenario from-log`` reads each log format, on one core.

Generates one day of a known workload (``tests/peakload/measure/access_log/truth.py``:
budget units working flows over REST paths, a health probe, a crawler, static
assets) with about ``--lines`` lines, writes it in every format from-log reads
(as each server writes it), and runs ``peakload scenario from-log`` on each file
in a child process with ``POLARS_MAX_THREADS=1``. Prints, per format, the
child's CPU seconds (all its threads, start-up included), lines per
CPU-second, and its peak resident memory. The whole command is timed: the
cheap first pass that counts the days, the second that derives the busiest,
sessions, fitting and writing the scenario.

Usage: python -m benchmarks.log_format_speed [--lines N] [--formats common,w3c,...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import from_log_child

FORMATS = (
    "common",
    "combined",
    "common-usec",
    "combined-usec",
    "common-sec",
    "combined-sec",
    "nginx",
    "w3c",
    "jsonl",
)
WIDTHS = (10, 6, 7, 12, 9)
LINES_PER_USER = 142  # the generator's users make about this many lines each


def run_from_log(log: Path, work: Path, fmt: str) -> tuple[float, float, float]:
    """``peakload scenario from-log`` on ``log`` as ``fmt``, on one polars thread, in a
    child: wall s, CPU s, peak RSS MiB."""
    env = {**os.environ, "POLARS_MAX_THREADS": "1"}
    return from_log_child.run_from_log(
        log, work / f"derived-{fmt}.toml", ["--format", fmt], env=env
    )


def write_logs(work: Path, lines: int, formats: list[str]) -> None:
    """Generate the day and write it in each format into ``work`` (run in a child of its
    own, so that the children timed later do not start as copies of a big parent)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.peakload.measure.access_log.truth import generate, write

    started = time.perf_counter()
    frame, truth = generate(users=max(lines // LINES_PER_USER, 10))
    print(
        f"generated {len(frame):,} requests of {truth.users:,} users (peak {truth.peak_users:,}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for fmt in formats:
        write(work / f"access.{fmt}.log", frame, fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--keep", action="store_true", help="keep the logs written")
    parser.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = args.formats.split(",")
    if args.write_only:
        write_logs(args.write_only, args.lines, formats)
        return
    work = Path(tempfile.mkdtemp(prefix="peakload-formatbench-"))
    writer = [sys.executable, "-m", "benchmarks.log_format_speed", "--lines", str(args.lines)]
    subprocess.run([*writer, "--formats", args.formats, "--write-only", str(work)], check=True)
    columns = ("lines", "MiB", "CPU s", "lines/CPU-s", "peak MiB")
    print(f"{'format':<14} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, WIDTHS, strict=True)))
    for fmt in formats:
        log = work / f"access.{fmt}.log"
        with log.open("rb") as handle:
            lines = sum(1 for _ in handle)
        _, cpu_s, peak_mib = run_from_log(log, work, fmt)
        size = log.stat().st_size / 2**20
        print(
            f"{fmt:<14} {lines:>10,} {size:>6,.0f} {cpu_s:>7.2f} {lines / cpu_s:>12,.0f} "
            f"{peak_mib:>9,.0f}"
        )
        if not args.keep:
            log.unlink()
    if args.keep:
        print(f"logs kept in {work}")


if __name__ == "__main__":
    main()

"""``peakload scenario from-log`` timed in a child process of its own, for the from-log
benchmarks (:mod:`benchmarks.log_format_speed`, :mod:`benchmarks.log_import_speed`).

The child's CPU counts every thread (so the figure does not depend on how many
cores polars used) and its peak memory is its own (``wait4``), not this
process's, which may hold a generated day.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def run_from_log(
    log: Path, out: Path, flags: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, float]:
    """``peakload scenario from-log log --quiet --no-plots --out out *flags`` in a child:
    wall s, CPU s, peak RSS MiB. A failed child stops the benchmark with its stderr."""
    command = [
        *(sys.executable, "-m", "peakload.cli", "scenario", "from-log", str(log)),
        *("--quiet", "--no-plots", "--out", str(out), *flags),
    ]
    errors = out.with_name(out.name + ".stderr.txt")
    started = time.perf_counter()
    with errors.open("w") as err:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    wall_s = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(
            f"from-log {' '.join(flags)} failed ({code}): {errors.read_text().strip()}"
        )
    return wall_s, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024

"""Where a run came from: ``provenance.json`` in every run directory.

A result without its origin cannot be trusted or repeated. Each job starts a
:class:`Stopwatch` when it begins and, once its files are written, calls
:func:`write_provenance`, which records what made the run and how long it
took::

    {"peakload_version": "0.1.0", "git_commit": "b401800...", "git_dirty": false,
     "seed": 42, "command": "peakload simulate --scenario scenarios/ci-smoke.toml",
     "started": "2026-11-27T06:40:12+00:00", "wall_s": 1.8,
     "machine": {"hostname": "...", "cores": 2, "memory_bytes": 8330000000,
                 "platform": "Linux-6.1-x86_64", "python": "3.11.2"}}

The report page shows it as is; ``peakload report`` reads it back.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

FILE = "provenance.json"


@dataclass(frozen=True)
class Stopwatch:
    """The moment a job started, on the wall clock (for people) and a monotonic one
    (for the duration)."""

    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    monotonic: float = field(default_factory=time.monotonic)

    def elapsed_s(self) -> float:
        return time.monotonic() - self.monotonic


def command_line(argv: list[str] | None = None) -> str:
    """The command as typed: ``peakload simulate ...`` (the program's own name, not its
    full path), quoted so it can be pasted back into a shell."""
    argv = list(sys.argv if argv is None else argv)
    if argv:
        argv[0] = Path(argv[0]).name
    return shlex.join(argv)


def _git(*args: str) -> str | None:
    source = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "-C", str(source), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def code_version() -> dict[str, Any]:
    """peakload's installed version and, when run from a git checkout, its commit and
    whether the work tree had uncommitted changes."""
    try:
        version = metadata.version("peakload")
    except metadata.PackageNotFoundError:
        version = None
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {
        "peakload_version": version,
        "git_commit": commit,
        "git_dirty": bool(status) if status is not None else None,
    }


def machine() -> dict[str, Any]:
    return {
        "hostname": socket.gethostname(),
        "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
    }


def provenance_record(stopwatch: Stopwatch, seed: int | None, **extra: Any) -> dict[str, Any]:
    """What made a job, up to now: the code, the seed, the command, when it started
    and how long it has run, the machine; ``extra`` adds job-specific facts."""
    return {
        **code_version(),
        "seed": seed,
        "command": command_line(),
        "started": stopwatch.started.isoformat(timespec="seconds"),
        "wall_s": round(stopwatch.elapsed_s(), 3),
        "machine": machine(),
        **extra,
    }


def write_provenance(
    run_dir: Path, stopwatch: Stopwatch, seed: int | None, **extra: Any
) -> dict[str, Any]:
    """Write ``provenance.json``; ``extra`` adds job-specific facts (e.g. ``host``)."""
    record = provenance_record(stopwatch, seed, **extra)
    (Path(run_dir) / FILE).write_text(json.dumps(record, indent=2) + "\n")
    return record


def read_provenance(run_dir: Path) -> dict[str, Any] | None:
    """The run's provenance, or None for a run written before it was recorded."""
    path = Path(run_dir) / FILE
    if not path.exists():
        return None
    return json.loads(path.read_text())

"""The child processes the real stack starts (PostgreSQL, nginx): how one starts and stops."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO


def start_child(
    args: Sequence[str | Path], output: IO | int, user: str | None = None
) -> subprocess.Popen:
    """Start a server program as ``user`` (None: as we run), its output and errors to
    ``output``, in a session of its own: a signal to our process group (Ctrl-C) does
    not reach it, only the stop we send it by its PID."""
    return subprocess.Popen(
        args, user=user, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_child(process: subprocess.Popen, how: signal.Signals, timeout_s: float) -> int | None:
    """Send ``how`` (the program's own graceful stop) to a running ``process``, wait up
    to ``timeout_s`` for it to exit, SIGKILL it past that; its exit code."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode

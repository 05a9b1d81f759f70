"""The child processes the real stack starts (PostgreSQL, nginx): how one is stopped."""

from __future__ import annotations

import signal
import subprocess


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

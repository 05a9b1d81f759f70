"""SIGTERM (a CI job's time-out) stops a command as Ctrl-C does: the mock and the load
generator it started are stopped by their PIDs, none is left behind, and it exits 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from peakload.cli.errors import EXIT_INTERRUPTED

SMOKE = Path(__file__).resolve().parents[3] / "scenarios" / "ci-smoke.toml"


def descendants_once_started(parent: psutil.Process, count: int, within_s: float) -> list:
    """The parent's descendants once there are at least ``count`` (the mock and Locust)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        if len(children) >= count:
            return children
        time.sleep(0.2)
    raise AssertionError(f"no {count} child processes within {within_s} s")


@pytest.mark.load
@pytest.mark.untimed
def test_sigterm_stops_a_load_test_and_every_process_it_started(tmp_path):
    command = [sys.executable, "-m", "peakload.cli", "loadtest", "--scenario", str(SMOKE)]
    command += ["--compress", "10", "--out", str(tmp_path), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children: list[psutil.Process] = []
    try:
        children = descendants_once_started(psutil.Process(process.pid), 2, 60.0)
        time.sleep(2.0)  # into the run, past the setup
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == EXIT_INTERRUPTED, err
        assert "interrupted" in err
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, [p.cmdline()[:4] for p in alive]
        assert len(gone) >= 2
    finally:
        # whatever the verdict, nothing of ours outlives the test: the children seen, or
        # (when the wait for them failed) whichever the command has started by now
        if not children and process.poll() is None:
            try:
                children = psutil.Process(process.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                children = []
        for child in children:
            if child.is_running():
                child.kill()
        if process.poll() is None:
            process.kill()
            process.wait()

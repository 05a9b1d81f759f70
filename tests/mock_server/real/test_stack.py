"""The stack's processes are its own to stop: when one dies, the others are stopped
by PID and ``peakload serve`` exits 2 with one line naming the one that died."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from loadtests.real_stack import RealStack

pytestmark = pytest.mark.slow


def test_a_worker_that_dies_stops_the_stack_with_one_line(postgres_server, tmp_path):
    stack = RealStack(tmp_path, processes=2, db=postgres_server.create_database(), units=300)
    try:
        stack.wait_ready()
        dead, other = stack.pids("worker")
        os.kill(dead, signal.SIGKILL)  # a worker of the stack this test started
        code = stack.process.wait(timeout=60)
    finally:
        stack.stop()
    errors = [e for e in stack.errors.read_text().splitlines() if e.startswith("peakload")]
    assert code == 2  # the workers' own log lines aside, one line says why
    assert errors == [f"peakload serve: worker PID {dead} (exit -9) exited; the stack was stopped"]
    assert "Traceback" not in stack.errors.read_text()
    assert f"stopped worker PID {other} " in "\n".join(stack.lines())
    assert not psutil.pid_exists(other) or psutil.Process(other).status() == "zombie"

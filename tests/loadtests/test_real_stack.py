"""RealStack's failures: a stack that cannot start says why, with its own log, and
leaves nothing running. (The stack that starts is driven by tests/mock_server/real.)"""

from __future__ import annotations

import os
import shutil

import pytest

from loadtests.real_stack import RealStack, RealStackError


def test_a_stack_that_exits_raises_with_its_reason_and_exit_code(tmp_path):
    stack = RealStack(tmp_path / "stack", db=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RealStackError, match=r"exited with 2:\n(.|\n)*needs PostgreSQL"):
        stack.wait_ready(timeout_s=120)
    assert stack.process.poll() == 2


@pytest.mark.skipif(shutil.which("taskset") is None, reason="pins with taskset (util-linux)")
def test_a_stack_used_as_a_context_stops_when_it_cannot_start(tmp_path):
    core = min(os.sched_getaffinity(0))
    stack = RealStack(tmp_path / "stack", db=f"sqlite:///{tmp_path / 'x.db'}", core=core)
    with pytest.raises(RealStackError), stack:
        pytest.fail("the body ran although the stack never said ready")
    assert stack.process.returncode == 2
    assert stack.pids("worker") == []

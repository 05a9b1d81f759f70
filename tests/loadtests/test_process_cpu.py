"""CPU seconds of process groups from the operating system: a child that burns a known
CPU time is counted within a bound, and children that exit and are reaped by a counted
parent are counted once (not once alive and again in the parent's children times)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import psutil
import pytest

from loadtests.process_cpu import ProcessCpu, ProcessPattern

pytestmark = pytest.mark.load
"""The children live and die within seconds of wall time that the sampler must see: these
run with the timed load tests, on a core of their own, not at idle priority (make test)."""

SPIN = """
import sys, time
start = time.process_time()
while time.process_time() - start < {cpu_s}:
    pass
time.sleep({idle_s})
"""

PARENT = """
import subprocess, sys, time
children = [subprocess.Popen([sys.executable, "-c", {child!r}]) for _ in range({n})]
for child in children:
    child.wait()
time.sleep({idle_s})
"""

BOUND_S = 0.25
"""Above the CPU burnt on purpose: each interpreter's start-up (~0.02-0.06 s here)
and sampling granularity (psutil reads clock ticks of 10 ms)."""


def _marker() -> str:
    return f"peakload-cpu-test-{uuid.uuid4().hex[:10]}"


def _watch(process: subprocess.Popen, cpu: ProcessCpu, interval_s: float) -> dict[str, float]:
    busy = cpu.sample()
    while process.poll() is None:
        time.sleep(interval_s)
        busy = cpu.sample()
    return busy


def test_a_child_spinning_half_a_second_of_cpu_is_counted_so():
    marker = _marker()
    cpu = ProcessCpu({"app": ProcessPattern(marker)})
    child = subprocess.Popen([sys.executable, "-c", SPIN.format(cpu_s=0.5, idle_s=0.6), marker])
    try:
        busy = _watch(child, cpu, 0.2)
    finally:
        child.kill()
        child.wait()
    assert 0.5 <= busy["app"] <= 0.5 + BOUND_S


def test_children_reaped_by_a_counted_parent_are_counted_once():
    """Three children each burn 0.3 s; sampled while alive (every 0.05 s) and reaped by
    their parent, whose children CPU times then jump by their whole totals: 0.9 s in all,
    not 1.8 s."""
    marker = _marker()
    child = SPIN.format(cpu_s=0.3, idle_s=0.0)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(child=child, n=3, idle_s=0.5), marker]
    )
    cpu = ProcessCpu({"app": ProcessPattern(marker)})
    try:
        busy = _watch(parent, cpu, 0.05)
    finally:
        parent.kill()
        parent.wait()
    assert 0.9 <= busy["app"] <= 0.9 + 2 * BOUND_S


def test_children_that_live_and_die_between_two_samples_are_counted_in_full():
    marker = _marker()
    child = SPIN.format(cpu_s=0.2, idle_s=0.0)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(child=child, n=2, idle_s=2.0), marker]
    )
    cpu = ProcessCpu({"app": ProcessPattern(marker)})
    try:
        time.sleep(1.5)  # no sample while the children live
        busy = _watch(parent, cpu, 0.5)
    finally:
        parent.kill()
        parent.wait()
    assert 0.4 <= busy["app"] <= 0.4 + 2 * BOUND_S


def test_a_process_belongs_to_its_own_tier_before_its_ancestors():
    app, worker = _marker(), _marker()
    child = f"import time; time.sleep(3)  # {worker}"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(child=child, n=1, idle_s=0.0), app]
    )
    try:
        deadline = time.monotonic() + 10
        cpu = ProcessCpu({"app": ProcessPattern(app), "worker": ProcessPattern(worker)})
        while not cpu.pids()["worker"] and time.monotonic() < deadline:
            time.sleep(0.1)
            cpu.sample()
        pids = cpu.pids()
        assert pids["app"] == [parent.pid]
        assert pids["worker"] == [c.pid for c in psutil.Process(parent.pid).children()]
        alone = ProcessCpu({"app": ProcessPattern(app, children=False)})
        assert alone.pids()["app"] == [parent.pid]
    finally:
        parent.kill()
        parent.wait()


@pytest.mark.parametrize(
    ("pattern", "name", "cmdline", "matches"),
    [
        ("postgres", "postgres", ["postgres: checkpointer "], True),
        (
            "postgres",
            "python3",
            ["python", "peakload", "loadtest", "--db", "postgresql://h/d"],
            False,
        ),
        ("nginx", "nginx", ["nginx: worker process"], True),
        (
            "peakload serve",
            "python3",
            ["/v/bin/python", "/v/bin/peakload", "serve", "--port", "80"],
            True,
        ),
        ("peakload serve", "python3", ["/v/bin/python", "/v/bin/peakload", "server"], False),
        ("--port 8123", "python3", ["/v/bin/peakload", "serve", "--port", "8123"], True),
        ("--port 8123", "python3", ["/v/bin/peakload", "serve", "--port", "81234"], False),
    ],
)
def test_a_pattern_is_a_name_or_whole_words_of_the_command_line(pattern, name, cmdline, matches):
    assert ProcessPattern(pattern).matches(name, cmdline) is matches

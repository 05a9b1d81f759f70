"""Process sources of busy time: a tier's processes by name or command line, read from
this machine (psutil) or, the same mapping with ``prometheus``, from what
prometheus_client and process-exporter publish. The pages parsed here are the real
programs' own: prometheus_client's exposition of this process, and Debian's
prometheus-process-exporter run here on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest
from prometheus_client import REGISTRY, generate_latest

from loadtests import busy_sources
from loadtests.mock_process import free_port

TIERS = ["proxy", "app", "db"]
EXPORTER = shutil.which("prometheus-process-exporter")
TICK_S = 0.011  # /proc reports CPU in clock ticks of 10 ms; one each side, and a margin

SPIN = """
import os, sys, time
while len(sys.argv) > 2 and not os.path.exists(sys.argv[2]):  # spin once told to
    time.sleep(0.01)
start = os.times()  # clock ticks, as /proc (so psutil) counts them: the test waits
while (now := os.times()).user + now.system - start.user - start.system < 0.3:  # for 0.3
    pass
time.sleep(60)
"""


def _mapping(tmp_path: Path, text: str) -> busy_sources.BusyMap:
    path = tmp_path / "busy.toml"
    path.write_text(text)
    return busy_sources.load_busy_map(path, TIERS)


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _await_spin(pid: int, before: float) -> None:
    """Wait until the spinner has spent its 0.3 CPU seconds since ``before`` (it counts
    them in the same clock ticks; half a tick less, as sums of ticks in floats may round
    either way), failing in 20 s rather than at its minute's sleep."""
    deadline = time.monotonic() + 20
    while _cpu(pid) < before + 0.3 - 0.005:
        assert time.monotonic() < deadline, f"the spinner spent {_cpu(pid) - before:.2f} s of 0.3"
        time.sleep(0.05)


def test_the_issue_s_mapping_reads_as_three_process_sources(tmp_path):
    mapping = _mapping(
        tmp_path,
        '[tiers]\napp = { process = "peakload serve" }\ndb = { process = "postgres" }\n'
        'proxy = { process = "nginx", children = false, prometheus = "http://p:9256/metrics" }\n',
    )
    assert set(mapping.processes) == {"app", "db", "proxy"} and mapping.sampled
    assert mapping.processes["proxy"].prometheus == ["http://p:9256/metrics"]
    assert mapping.processes["app"].pattern.children
    assert not mapping.processes["proxy"].pattern.children


def test_a_misspelt_process_key_is_one_line_naming_it(tmp_path):
    with pytest.raises(busy_sources.BusyMapError, match=r"tiers\.app.*proces"):
        _mapping(tmp_path, '[tiers]\napp = { proces = "peakload serve" }\n')


def test_prometheus_client_s_own_process_cpu_is_read_as_the_process_s(tmp_path):
    """prometheus_client exposes this process's CPU as ``process_cpu_seconds_total``
    (its default registry's process collector): the same figure psutil reads."""
    page = tmp_path / "metrics.txt"
    page.write_bytes(generate_latest(REGISTRY))
    own = _cpu(os.getpid())
    mapping = _mapping(
        tmp_path, f'[tiers]\napp = {{ process = "python", prometheus = "{page.as_uri()}" }}\n'
    )
    sample = busy_sources.LiveSampler(mapping)()
    assert sample["app"]["busy_seconds"] == pytest.approx(own, abs=2 * TICK_S)


def test_a_local_process_source_samples_the_process_cpu(tmp_path):
    marker = f"peakload-busy-{uuid.uuid4().hex[:8]}"
    mapping = _mapping(tmp_path, f'[tiers]\napp = {{ process = "{marker}" }}\n')
    go = tmp_path / "go"
    spinner = subprocess.Popen([sys.executable, "-c", SPIN, marker, str(go)])
    try:
        while psutil.Process(spinner.pid).cmdline()[-2:] != [marker, str(go)]:
            time.sleep(0.01)  # exec'd: its command line is the spinner's
        sampler = busy_sources.LiveSampler(mapping)  # while it waits to spin
        before = _cpu(spinner.pid)
        go.touch()
        _await_spin(spinner.pid, before)
        spent = _cpu(spinner.pid) - before
        assert sampler()["app"]["busy_seconds"] == pytest.approx(spent, abs=2 * TICK_S)
    finally:
        spinner.kill()
        spinner.wait()


@pytest.fixture
def process_exporter(tmp_path):
    """Debian's prometheus-process-exporter grouping one spinning python by a marker
    in its command line; yields (its /metrics URL, the group name, the spinner's PID).
    process-exporter counts a process's CPU from the scrape that first sees it, so the
    spinner waits for the file ``go`` (in tmp_path): a scrape sees it then, and
    another after it spun."""
    if EXPORTER is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus-process-exporter is required in CI (.ci/run installs it)")
        pytest.skip("no prometheus-process-exporter (apt-get install prometheus-process-exporter)")
    marker = f"peakload-busy-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "process-exporter.yml"
    config.write_text(f'process_names:\n  - name: "spinner"\n    cmdline:\n    - "{marker}"\n')
    port = free_port()
    exporter = subprocess.Popen(
        [EXPORTER, "-web.listen-address", f"127.0.0.1:{port}", "-config.path", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = [exporter]
    try:
        _page(f"http://127.0.0.1:{port}/metrics")
        started.append(subprocess.Popen([sys.executable, "-c", SPIN, marker, str(tmp_path / "go")]))
        yield f"http://127.0.0.1:{port}/metrics", "spinner", started[1].pid
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _page(url: str, deadline_s: float = 20.0) -> str:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_process_exporter_s_group_cpu_is_read_as_the_group_s(process_exporter, tmp_path):
    """Its page has the group's ``namedprocess_namegroup_cpu_seconds_total`` (one series
    per mode) beside its own ``process_cpu_seconds_total``: the group's modes are summed,
    its own is not taken."""
    url, group, pid = process_exporter
    mapping = _mapping(tmp_path, f'[tiers]\ndb = {{ process = "{group}", prometheus = "{url}" }}\n')
    while f'groupname="{group}"' not in _page(url):
        time.sleep(0.1)  # the exporter has seen the spinner, which waits
    sampler = busy_sources.LiveSampler(mapping)
    before_os, before = _cpu(pid), sampler()["db"]["busy_seconds"]
    (tmp_path / "go").touch()
    _await_spin(pid, before_os)
    time.sleep(0.1)
    spent = _cpu(pid) - before_os
    page = _page(url)
    assert f'namedprocess_namegroup_cpu_seconds_total{{groupname="{group}",mode="user"}}' in page
    assert "\nprocess_cpu_seconds_total " in page
    after = sampler()["db"]["busy_seconds"]
    assert after - before == pytest.approx(spent, abs=2 * TICK_S)
    assert busy_sources.process_cpu_seconds(page, "another group") == pytest.approx(
        float(page.split("\nprocess_cpu_seconds_total ")[1].split()[0])
    )


def test_a_process_source_matching_nothing_is_one_line_naming_the_tier(tmp_path):
    mapping = _mapping(tmp_path, '[tiers]\ndb = { process = "no-such-process-anywhere" }\n')
    with pytest.raises(busy_sources.BusyMapError, match=r"tiers\.db: no process here matches"):
        busy_sources.LiveSampler(mapping)

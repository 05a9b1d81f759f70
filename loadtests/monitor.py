"""What the runner watches while a load test runs, once a second.

- The generator's CPU, summed over every Locust process and their children
  (with workers, one process's figure says little: each worker is a process),
  and the largest single process's share of its core.
- The mock server's CPU, when the runner started it.
- The server's tiers from /admin/stats (busy, queue, completions, busy and
  wait seconds, refusals), when the admin token opens it. A server that was
  killed and restarted (``--kill-server-at``) starts its counters from zero:
  the monitor carries the dead server's totals over, so the counters stay
  cumulative over the run; while it is down they hold, with nothing busy.
- The server's own time outside its tiers per transaction, from its Prometheus
  ``/metrics`` (``peakload_outside_seconds_total`` and
  ``peakload_outside_requests_total``, the mock's :mod:`mock_server.middleware`),
  when the admin token opens /admin/stats (a server that is our mock).
- A real system's tier busy time from its Prometheus endpoints, when a
  busy-time mapping names them (:mod:`loadtests.busy_sources`).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil


def admin_stats(host: str, token: str, timeout_s: float = 5.0) -> dict | None:
    request = urllib.request.Request(
        f"{host.rstrip('/')}/admin/stats", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


OUTSIDE_METRICS = {
    "peakload_outside_seconds_total": 0,
    "peakload_outside_requests_total": 1,
}


def outside_counters(host: str, timeout_s: float = 2.0) -> dict[str, tuple[float, float]]:
    """Per transaction, the server's cumulative (seconds, requests) outside its tiers
    from its ``/metrics``; empty when it has none or cannot be read."""
    try:
        with urllib.request.urlopen(f"{host.rstrip('/')}/metrics", timeout=timeout_s) as answer:
            text = answer.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError):
        return {}
    return parse_outside(text)


def parse_outside(text: str) -> dict[str, tuple[float, float]]:
    """The outside counters of one Prometheus text page, per transaction."""
    return seconds_and_counts(text, OUTSIDE_METRICS, "transaction")


def seconds_and_counts(
    text: str, metrics: dict[str, int], label: str
) -> dict[str, tuple[float, float]]:
    """Per value of ``label``, the pair of samples ``metrics`` names (sample name to its
    place, 0 or 1: seconds, then how many) in one Prometheus text page; empty if the
    page is not Prometheus text. A histogram's ``_sum`` and ``_count`` are such a pair."""
    from prometheus_client.parser import text_string_to_metric_families

    found: dict[str, list[float]] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                index = metrics.get(sample.name)
                name = sample.labels.get(label)
                if index is not None and name:
                    found.setdefault(name, [0.0, 0.0])[index] = float(sample.value)
    except ValueError:  # not Prometheus text
        return {}
    return {name: (seconds, count) for name, (seconds, count) in found.items()}


def _cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for member in family:
        try:
            times = member.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


@dataclass
class Samples:
    wall: list[float] = field(default_factory=list)
    generator_cpu: list[float] = field(default_factory=list)  # % of one core, all processes
    generator_max_process_cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    tiers: list[dict] = field(default_factory=list)  # /admin/stats "tiers" per sample
    busy: list[dict] = field(default_factory=list)  # tier -> {busy_seconds} from busy sources
    outside: list[dict] = field(default_factory=list)  # transaction -> (seconds, requests)


CUMULATIVE = (
    "completions",
    "busy_seconds",
    "wait_seconds",
    "refusals",
    "held_seconds",  # a tier sharing cores: worker-seconds held
    "worker_wait_seconds",  # and the wait for a worker alone
    "deviation_seconds",  # an emulating mock's drawn demand less its mean
)


class TierCounters:
    """/admin/stats tiers made continuous across server restarts."""

    def __init__(self) -> None:
        self.uptime = -1.0
        self.raw: dict[str, dict] = {}
        self.carried: dict[str, dict[str, float]] = {}
        self.last: dict[str, dict] = {}

    def update(self, stats: dict | None) -> dict[str, dict]:
        if not stats or "tiers" not in stats:  # down: totals hold, nothing in service
            return {n: {**t, "busy": 0, "queue": 0} for n, t in self.last.items()}
        if stats.get("uptime_s", 0.0) < self.uptime:  # a new server: carry the old totals
            for name, raw in self.raw.items():
                carried = self.carried.setdefault(name, dict.fromkeys(CUMULATIVE, 0.0))
                for key in CUMULATIVE:
                    carried[key] += raw.get(key, 0)
        self.uptime = stats.get("uptime_s", 0.0)
        self.raw = stats["tiers"]
        self.last = {
            name: {
                **tier,
                **{
                    key: tier[key] + self.carried.get(name, {}).get(key, 0)
                    for key in CUMULATIVE
                    if key in tier
                },
            }
            for name, tier in stats["tiers"].items()
        }
        return self.last


class Monitor(threading.Thread):
    def __init__(
        self,
        generator_pids: list[int],
        server_pid: int | None,
        host: str,
        admin_token: str | None,
        interval_s: float = 1.0,
        busy_sampler: Callable[[], dict] | None = None,
    ):
        super().__init__(daemon=True, name="peakload-monitor")
        self.generators = [psutil.Process(pid) for pid in generator_pids]
        self.server = psutil.Process(server_pid) if server_pid else None
        self.host = host
        self.admin_token = admin_token
        self.interval_s = interval_s
        self.busy_sampler = busy_sampler  # a real system's tier busy time (busy_sources)
        self.samples = Samples()
        self.counters = TierCounters()
        self._stop_event = threading.Event()
        self._last_server = _cpu_seconds(self.server) if self.server else 0.0

    def watch_server(self, pid: int) -> None:
        """Follow a restarted server (its CPU from now on)."""
        self.server = psutil.Process(pid)
        self._last_server = _cpu_seconds(self.server)

    def stop(self) -> Samples:
        self._stop_event.set()
        self.join(timeout=10)
        return self.samples

    def run(self) -> None:
        """Sample every ``interval_s`` on a fixed schedule (the k-th sample due at
        ``start + k x interval_s``), not ``interval_s`` after the last sample ended:
        a sample takes its own time (psutil over process trees, the server's counters,
        a busy-time source), up to a few tenths of a second on a loaded machine, and
        waiting after it stretched one-second windows to 1.1-1.7 s, so a 12-second
        calibration phase held 9 windows. A sample that falls behind by a whole
        interval skips to the next due time rather than bunching."""
        last = time.monotonic()
        last_gen = [_cpu_seconds(p) for p in self.generators]
        due = last + self.interval_s
        while not self._stop_event.wait(max(0.0, due - time.monotonic())):
            now = time.monotonic()
            due += self.interval_s
            if due <= now:  # behind by a whole interval: the next one due from now
                due = now + self.interval_s
            span = now - last
            gen = [_cpu_seconds(p) for p in self.generators]
            per_process = [100 * (a - b) / span for a, b in zip(gen, last_gen, strict=True)]
            server = _cpu_seconds(self.server) if self.server else 0.0
            last_server = self._last_server
            stats = admin_stats(self.host, self.admin_token, 2.0) if self.admin_token else None
            samples = self.samples
            samples.wall.append(time.time())
            samples.generator_cpu.append(sum(per_process))
            samples.generator_max_process_cpu.append(max(per_process, default=0.0))
            busy = max(0.0, server - last_server)
            samples.server_cpu.append(100 * busy / span if self.server else 0.0)
            samples.tiers.append(self.counters.update(stats) if self.admin_token else {})
            samples.busy.append(self.busy_sampler() if self.busy_sampler else {})
            samples.outside.append(outside_counters(self.host) if self.admin_token else {})
            last, last_gen, self._last_server = now, gen, server

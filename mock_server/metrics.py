"""Prometheus metrics: per route and status, per emulated tier, and per transaction
the time outside the tiers (:mod:`mock_server.middleware`).

Each app has its own registry (no process-wide state), and the tier figures are
read from the capacity pools at scrape time rather than updated per request.

A queue tier's ``peakload_tier_busy_seconds`` is slot-seconds held, or, for a
tier with cores, CPU seconds used: its utilization is busy seconds over
``peakload_tier_cores`` x seconds (over ``peakload_tier_servers`` x seconds
without cores). A delay tier has no capacity, so it exports no busy or servers
figure: only ``peakload_delay_completions`` and ``peakload_delay_held_seconds``.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from mock_server.capacity import Capacity

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)


TIER_FAMILIES: tuple[tuple[str, type[GaugeMetricFamily | CounterMetricFamily], str, str], ...] = (
    ("busy", GaugeMetricFamily, "peakload_tier_busy", "Slots busy"),
    ("queue", GaugeMetricFamily, "peakload_tier_queue", "Requests waiting"),
    ("servers", GaugeMetricFamily, "peakload_tier_servers", "Slots (c)"),
    (
        "cores",
        GaugeMetricFamily,
        "peakload_tier_cores",
        "Cores shared by the workers (instances x cores; tiers with cores only)",
    ),
    ("completions", CounterMetricFamily, "peakload_tier_completions", "Requests served"),
    (
        "busy_seconds",
        CounterMetricFamily,
        "peakload_tier_busy_seconds",
        "Slot-seconds held (CPU seconds used, for a tier with cores)",
    ),
    ("refusals", CounterMetricFamily, "peakload_tier_refusals", "Requests refused (queue full)"),
    (
        "deviation_seconds",
        GaugeMetricFamily,  # a sum of signed deviations: it goes down as well as up
        "peakload_tier_demand_deviation_seconds",
        "Demand the served visits drew less those demands' means (cumulative)",
    ),
)
"""Each tier's figure in :meth:`Capacity.stats` (its key), as the metric family it is
exported in: its kind, name and help."""


class TierCollector(Collector):
    def __init__(self, capacity: Capacity):
        self.capacity = capacity

    def collect(self) -> Iterator:
        stats = self.capacity.stats()
        families = {
            key: kind(name, text, labels=["tier"]) for key, kind, name, text in TIER_FAMILIES
        }
        for tier, values in stats.items():
            for key, family in families.items():
                if key in values:
                    family.add_metric([tier], values[key])
        delays = self.capacity.delay_stats()
        held = CounterMetricFamily(
            "peakload_delay_held_seconds", "Seconds requests were held", labels=["tier"]
        )
        done = CounterMetricFamily(
            "peakload_delay_completions", "Requests held and let go", labels=["tier"]
        )
        for tier, values in delays.items():
            held.add_metric([tier], values["held_seconds"])
            done.add_metric([tier], values["completions"])
        yield from families.values()
        if delays:
            yield from (done, held)


class Metrics:
    def __init__(self, capacity: Capacity):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "peakload_requests",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "peakload_request_duration_seconds",
            "Time to answer",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outside_seconds = Counter(
            "peakload_outside_seconds",
            "Seconds of answered requests spent outside the emulated tiers",
            ["transaction"],
            registry=self.registry,
        )
        self.outside_requests = Counter(
            "peakload_outside_requests",
            "Answered requests whose outside time is counted",
            ["transaction"],
            registry=self.registry,
        )
        self.registry.register(TierCollector(capacity))

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_outside(self, transaction: str, seconds: float) -> None:
        """One answered request of ``transaction`` and its time outside the tiers."""
        self.outside_seconds.labels(transaction).inc(seconds)
        self.outside_requests.labels(transaction).inc()

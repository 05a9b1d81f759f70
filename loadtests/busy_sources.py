"""Tier busy time from a real system: a small TOML mapping each tier to a source.

Against the mock, busy time comes from its /admin/stats. A real system has
none; its monitoring knows each tier's CPU seconds instead. A mapping says
where to read them::

    # busy.toml
    [tiers.app]
    prometheus = ["http://app-1:9100/metrics", "http://app-2:9100/metrics"]
    metric = "process_cpu_seconds_total"   # a counter of seconds, summed over endpoints
    labels = { job = "treasury-app" }      # optional: only the series with these labels

    [tiers.db]
    csv = "db-cpu.csv"                     # exported by the monitoring (relative to this file)
    time_column = "timestamp"              # Unix seconds or ISO 8601
    value_column = "cpu_seconds_total"
    kind = "counter"                       # or "rate": busy s per s (utilization x cores)

or, for a service whose processes run where the load test runs, or whose
process CPU an exporter publishes, the processes of each tier::

    [tiers]
    app = { process = "peakload serve" }   # by name, or words of the command line
    db = { process = "postgres" }          # with their descendants (children = false: not)
    proxy = { process = "nginx" }

A process source is read from this machine's operating system (psutil,
:mod:`loadtests.process_cpu`): the CPU seconds of the matching processes and
their children, summed per tier. The same mapping plus ``prometheus`` reads it
from staging instead, unchanged otherwise: ``{ process = "postgres", prometheus =
"http://db-1:9256/metrics" }`` takes process-exporter's
``namedprocess_namegroup_cpu_seconds_total`` of the group named ``postgres``
(every mode summed), or where an endpoint has no such group, the process's own
``process_cpu_seconds_total`` as every Prometheus client library exposes it;
several endpoints are summed.

The runner samples every Prometheus and process source once a second with the
mock's counters; CSV sources are read when the run ends (and by ``calibrate``
offline). All become rows of ``tiers.csv``. A tier the scenario does not
have, or a bad key, is one line naming the key.
"""

from __future__ import annotations

import csv
import math
import tomllib
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loadtests.process_cpu import ProcessCpu, ProcessPattern


class BusyMapError(ValueError):
    """A mapping that cannot be used: one line naming the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrometheusSource(_Strict):
    prometheus: list[str] = Field(min_length=1)
    metric: str
    labels: dict[str, str] = Field(default_factory=dict)
    scale: float = Field(default=1.0, gt=0)


class CsvSource(_Strict):
    csv: Path
    time_column: str = "time"
    value_column: str
    kind: Literal["counter", "rate"] = "counter"
    scale: float = Field(default=1.0, gt=0)


class ProcessSource(_Strict):
    process: str = Field(min_length=1)
    children: bool = True
    prometheus: list[str] = Field(default_factory=list)
    scale: float = Field(default=1.0, gt=0)

    @property
    def pattern(self) -> ProcessPattern:
        return ProcessPattern(self.process, self.children)


PROCESS_EXPORTER_METRIC = "namedprocess_namegroup_cpu_seconds_total"
OWN_PROCESS_METRIC = "process_cpu_seconds_total"


class BusyMap(_Strict):
    tiers: dict[str, PrometheusSource | CsvSource | ProcessSource] = Field(min_length=1)

    @property
    def prometheus(self) -> dict[str, PrometheusSource]:
        return {k: v for k, v in self.tiers.items() if isinstance(v, PrometheusSource)}

    @property
    def csv(self) -> dict[str, CsvSource]:
        return {k: v for k, v in self.tiers.items() if isinstance(v, CsvSource)}

    @property
    def processes(self) -> dict[str, ProcessSource]:
        return {k: v for k, v in self.tiers.items() if isinstance(v, ProcessSource)}

    @property
    def sampled(self) -> bool:
        """Whether any tier is read while the run goes (Prometheus or processes)."""
        return bool(self.prometheus or self.processes)


def load_busy_map(path: str | Path, tiers: list[str]) -> BusyMap:
    """The mapping at ``path``, checked against the scenario's ``tiers``."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BusyMapError(f"{path}: cannot read: {exc}") from None
    for tier, source in data.get("tiers", {}).items():
        if tier not in tiers:
            raise BusyMapError(
                f"{path}: tiers.{tier}: unknown tier '{tier}' (tiers are: {', '.join(tiers)})"
            )
        if isinstance(source, dict) and isinstance(source.get("prometheus"), str):
            source["prometheus"] = [source["prometheus"]]
        if isinstance(source, dict) and "csv" in source:
            source["csv"] = str((path.parent / source["csv"]).resolve())
    try:
        return BusyMap.model_validate(data)
    except ValidationError as exc:
        first = _most_telling(exc.errors(), data.get("tiers", {}))
        where = ".".join(str(p) for p in first["loc"] if not str(p).endswith("Source"))
        raise BusyMapError(f"{path}: {where}: {first['msg']}") from None


def _scrape(url: str, timeout_s: float) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError):
        return None


def process_cpu_seconds(text: str, group: str) -> float | None:
    """A process group's CPU seconds in one metrics page: process-exporter's
    ``namedprocess_namegroup_cpu_seconds_total{groupname=group}`` summed over its
    modes, else the page's own ``process_cpu_seconds_total``; None if neither."""
    grouped = own = None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == PROCESS_EXPORTER_METRIC and sample.labels.get("groupname") == group:
                grouped = (grouped or 0.0) + float(sample.value)
            elif sample.name == OWN_PROCESS_METRIC:
                own = (own or 0.0) + float(sample.value)
    return grouped if grouped is not None else own


def read_process_prometheus(source: ProcessSource, timeout_s: float = 2.0) -> float | None:
    """A process source read from its endpoints, summed; None if one fails or lacks it."""
    total = 0.0
    for url in source.prometheus:
        text = _scrape(url, timeout_s)
        value = process_cpu_seconds(text, source.process) if text is not None else None
        if value is None:
            return None
        total += value
    return total * source.scale


def _most_telling(errors: list, tiers: dict) -> dict:
    """The error to show of a source that fits none of the kinds: a key no kind has
    (a misspelling, named), else the error of the kind its keys say it is."""
    extra = [e for e in errors if e["type"] == "extra_forbidden"]
    unknown = [e for e in extra if all(e["loc"][-1] != k for k in _KIND_KEYS)]
    if unknown:
        return unknown[0]
    for error in errors:
        source = tiers.get(error["loc"][1]) if len(error["loc"]) > 2 else None
        kind = next((k for k in _KIND_KEYS if isinstance(source, dict) and k in source), None)
        if kind is not None and error["loc"][2] == _KIND_KEYS[kind]:
            return error
    return errors[0]


_KIND_KEYS = {"process": "ProcessSource", "csv": "CsvSource", "prometheus": "PrometheusSource"}


def read_prometheus(source: PrometheusSource, timeout_s: float = 2.0) -> float | None:
    """The metric summed over every endpoint and matching series; None if one fails."""
    total = 0.0
    for url in source.prometheus:
        text = _scrape(url, timeout_s)
        if text is None:
            return None
        found = False
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name not in (source.metric, f"{source.metric}_total"):
                    continue
                if all(sample.labels.get(k) == v for k, v in source.labels.items()):
                    total += float(sample.value)
                    found = True
        if not found:
            return None
    return total * source.scale


def sample_prometheus(sources: dict[str, PrometheusSource]) -> dict[str, dict]:
    """One sample of every Prometheus tier, in /admin/stats' shape (busy_seconds)."""
    readings = {tier: read_prometheus(source) for tier, source in sources.items()}
    return {tier: {"busy_seconds": v} for tier, v in readings.items() if v is not None}


class LiveSampler:
    """Every tier read while the run goes, one call per interval, in /admin/stats'
    shape: the Prometheus sources, process sources with endpoints, and the local
    processes (one :class:`~loadtests.process_cpu.ProcessCpu`, whose counters start
    at zero when this is made)."""

    def __init__(self, busy_map: BusyMap):
        self.prometheus = busy_map.prometheus
        processes = busy_map.processes
        self.remote = {t: s for t, s in processes.items() if s.prometheus}
        local = {t: s for t, s in processes.items() if not s.prometheus}
        self.scale = {t: s.scale for t, s in local.items()}
        self.local = ProcessCpu({t: s.pattern for t, s in local.items()}) if local else None
        if self.local is not None:
            for tier, pids in self.local.pids().items():
                if not pids:
                    raise BusyMapError(
                        f"tiers.{tier}: no process here matches '{local[tier].process}' "
                        "(a process name, or whole words of a command line)"
                    )

    def __call__(self) -> dict[str, dict]:
        out = sample_prometheus(self.prometheus)
        for tier, source in self.remote.items():
            if (value := read_process_prometheus(source)) is not None:
                out[tier] = {"busy_seconds": value}
        if self.local is not None:
            for tier, seconds in self.local.sample().items():
                out[tier] = {"busy_seconds": seconds * self.scale[tier]}
        return out


def _epoch(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text).timestamp()


def read_csv(tier: str, source: CsvSource) -> tuple[np.ndarray, np.ndarray]:
    """(wall epochs, cumulative busy seconds) of one tier from its exported CSV."""
    try:
        with source.csv.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise BusyMapError(f"tiers.{tier}.csv: cannot read {source.csv}: {exc}") from None
    if not rows or source.time_column not in rows[0] or source.value_column not in rows[0]:
        raise BusyMapError(
            f"tiers.{tier}: {source.csv} needs columns '{source.time_column}' and "
            f"'{source.value_column}'"
        )
    try:
        points = sorted(
            (_epoch(r[source.time_column]), float(r[source.value_column])) for r in rows
        )
    except ValueError as exc:
        raise BusyMapError(f"tiers.{tier}: {source.csv}: {exc}") from None
    wall = np.array([p[0] for p in points])
    value = np.array([p[1] for p in points]) * source.scale
    if not np.all(np.isfinite(value)) or not all(math.isfinite(w) for w in wall):
        raise BusyMapError(f"tiers.{tier}: {source.csv}: values must be finite numbers")
    if source.kind == "rate":  # busy seconds per second: integrate to a counter
        value = np.concatenate([[0.0], np.cumsum(np.diff(wall) * value[1:])])
    return wall, value


def csv_samples(sources: dict[str, CsvSource], wall: list[float]) -> list[dict[str, dict]]:
    """The CSV tiers' counters at the runner's sample times (interpolated), per sample."""
    series = {tier: read_csv(tier, source) for tier, source in sources.items()}
    out: list[dict[str, dict]] = [{} for _ in wall]
    for tier, (times, counter) in series.items():
        inside = (np.asarray(wall) >= times[0]) & (np.asarray(wall) <= times[-1])
        values = np.interp(wall, times, counter)
        for i, ok in enumerate(inside):
            if ok:
                out[i][tier] = {"busy_seconds": float(values[i])}
    return out

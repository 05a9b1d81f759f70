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

The runner samples every Prometheus source once a second with the mock's
counters; CSV sources are read when the run ends (and by ``calibrate``
offline). Both become rows of ``tiers.csv``. A tier the scenario does not
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


class BusyMap(_Strict):
    tiers: dict[str, PrometheusSource | CsvSource] = Field(min_length=1)

    @property
    def prometheus(self) -> dict[str, PrometheusSource]:
        return {k: v for k, v in self.tiers.items() if isinstance(v, PrometheusSource)}

    @property
    def csv(self) -> dict[str, CsvSource]:
        return {k: v for k, v in self.tiers.items() if isinstance(v, CsvSource)}


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
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not str(p).endswith("Source"))
        raise BusyMapError(f"{path}: {where}: {first['msg']}") from None


def read_prometheus(source: PrometheusSource, timeout_s: float = 2.0) -> float | None:
    """The metric summed over every endpoint and matching series; None if one fails."""
    total = 0.0
    for url in source.prometheus:
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:
                text = response.read().decode("utf-8", errors="replace")
        except (urllib.error.URLError, OSError):
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

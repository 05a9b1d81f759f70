"""How far a prediction may be from a measurement and still agree: :class:`Bounds`,
read from a TOML file by :func:`load_bounds`."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from peakload.measure.validation.kinds import MetricKind


@dataclass(frozen=True)
class Bounds:
    """How far a prediction may be from a measurement and still agree.

    ``latency_floor_s``: a client's mean or p95 compared as queue time only
    (:attr:`PredictionBasis.QUEUE_ONLY`: no delay tier in the model, no outside
    time reported by the server) also agrees within this many seconds, whatever
    its relative error: the prediction leaves out what the HTTP stack adds.
    Rows whose prediction holds the outside time have no floor.

    ``wait``, ``wait_floor_s``: a tier's mean queueing wait (the failure drill's
    rows, :mod:`peakload.measure.drills`) agrees within ``wait`` of the
    measurement or ``wait_floor_s``, whichever is larger. Its own floor, not
    the latency floor: a tier's wait comes from the server's counters (the
    mock's are kept on its schedule, no HTTP stack nor event-loop lag in them),
    and a drill's wait is a few milliseconds, all inside a 5 ms floor; 1 ms
    only keeps a queue that hardly forms (0.05 ms against 0.2 ms) from
    disagreeing.
    """

    throughput: float = 0.05
    mean: float = 0.10
    p95: float = 0.15
    utilization: float = 0.05
    share: float = 0.01
    wait: float = 0.10
    latency_floor_s: float = 0.005
    wait_floor_s: float = 0.001
    decisive: float = 0.5
    """A row is decisive when its noise is at most this fraction of its bound."""
    metrics: dict[str, float] = field(default_factory=dict)
    """Per-metric overrides, e.g. ``{"tiers.db.utilization": 0.03}``."""

    def allowed(
        self, metric: str, kind: MetricKind, measured: float, latency_floor: bool = False
    ) -> float:
        """The bound in the metric's own units; ``latency_floor``: a queue-time-only
        latency, which also agrees within :attr:`latency_floor_s`."""
        bound = float(self.metrics.get(metric, getattr(self, kind.value)))
        if not kind.relative:
            return bound
        allowed: float = bound * abs(measured)
        if kind in (MetricKind.MEAN, MetricKind.P95) and latency_floor:
            allowed = max(allowed, self.latency_floor_s)
        elif kind is MetricKind.WAIT:
            allowed = max(allowed, self.wait_floor_s)
        return allowed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BoundsError(ValueError):
    """A bounds file that cannot be used: one line naming the file and the key."""


def load_bounds(path: str | Path | None) -> Bounds:
    """Bounds from TOML: top-level ``throughput``, ``mean``, ``p95``, ``wait``
    (fractions), ``utilization``, ``share`` (fractions, i.e. 0.05 = 5 points),
    ``latency_floor_s``, ``wait_floor_s``, ``decisive``, and ``[metrics]`` with
    ``"tiers.db.utilization" = 0.03``."""
    if path is None:
        return Bounds()
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BoundsError(f"{path}: {exc}") from None
    known = {f.name for f in fields(Bounds)}
    for key, value in data.items():
        if key not in known:
            raise BoundsError(f"{path}: {key}: unknown key (one of {', '.join(sorted(known))})")
        if key == "metrics":
            if not isinstance(value, dict) or not all(
                isinstance(v, int | float) and v >= 0 for v in value.values()
            ):
                raise BoundsError(f"{path}: metrics: a table of metric = bound (>= 0)")
        elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise BoundsError(f"{path}: {key}: must be a number >= 0 (got {value!r})")
    return Bounds(**data)

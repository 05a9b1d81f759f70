"""The server's tiers as the load test's monitor sampled them: cumulative counters.

:func:`tier_counters` turns the monitor's per-second samples of the mock's
admin figures (and of any live busy-time source) into one
:class:`~peakload.measure.observations.TierCounters` per tier, which the
reducer reads as it reads a simulation's tiers.
"""

from __future__ import annotations

import numpy as np

from loadtests.monitor import Samples
from peakload.core.scenario import Tier
from peakload.measure.observations import TierCounters

_COUNTERS = ("completions", "busy_seconds", "wait_seconds", "refusals", "queue")


def tier_counters(
    samples: Samples, scenario_tiers: list[Tier] | None = None
) -> dict[str, TierCounters]:
    """Each tier the server reported, as counters over the monitor's samples (none
    without admin access to the server); then each tier a live busy-time source
    (Prometheus, processes) read, which takes the place of the server's figure.

    A source's busy seconds are CPU seconds: its tier's utilization is their share
    of the tier's cores (``instances x cores``), or of its ``instances x workers``
    where the scenario gives no cores. It gives no completions, waits or queue.
    """
    if not samples.wall:
        return {}
    wall = np.asarray(samples.wall)
    tiers = {}
    for name, last in (samples.tiers[-1] if samples.tiers else {}).items():
        columns = {key: _column(samples, name, key) for key in _COUNTERS}
        servers = last["servers"] + last.get("lost", 0)  # as configured, not what a drill left
        cores, held = last.get("cores"), None
        if cores is not None:  # workers sharing cores: busy is CPU; the workers' side apart
            columns["wait_seconds"] = _column(samples, name, "worker_wait_seconds")
            held = _column(samples, name, "held_seconds")
        tiers[name] = TierCounters(
            servers=servers, wall=wall, **columns, cores=cores, held_seconds=held
        )
    by_name = {t.name: t for t in scenario_tiers or []}
    for name in sorted({n for sample in samples.busy for n in sample} & set(by_name)):
        tier = by_name[name]
        busy = [s.get(name, {}).get("busy_seconds", np.nan) for s in samples.busy]
        nothing = np.full(len(wall), np.nan)
        tiers[name] = TierCounters(
            servers=tier.servers,
            wall=wall,
            cores=tier.total_cores,  # CPU seconds: their share of the cores, if given
            completions=nothing,
            busy_seconds=np.array(busy, dtype=float),
            wait_seconds=nothing,
            refusals=nothing,
            queue=nothing,
        )
    return tiers


def _column(samples: Samples, tier: str, key: str) -> np.ndarray:
    return np.array([s.get(tier, {}).get(key, np.nan) for s in samples.tiers], dtype=float)

"""``tiers.csv``: the per-second tier samples a load test stores in its run directory.

One row per sample and tier, cumulative counters since the server started:

    wall,tier,busy_s,completions,queue,wait_s,deviation_s
    1764225000.51,app,12.0431,402,0,0.8312,-0.1204

``wall`` is a Unix epoch (the same clock as the client's request records),
``busy_s`` the tier's cumulative busy seconds (slot-seconds held, or CPU
seconds on a real system), ``completions``, ``queue`` and ``wait_s`` (the
seconds requests waited for a slot, the mock's counter) are optional (empty
when the source does not give them; files from before ``wait_s`` lack the
column). ``deviation_s``, also optional, is an emulating mock's: the demand
its served visits drew less those demands' means, cumulative, the control of
the tier's utilization (:mod:`peakload.measure.busy_control`). The mock's /admin/stats, a Prometheus
text endpoint and a CSV from the user's monitoring all end up in this one
format, so ``peakload calibrate`` can be re-run offline from the directory.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from peakload.measure.calibration.windows import TierSeries

FILENAME = "tiers.csv"
COLUMNS = ("wall", "tier", "busy_s", "completions", "queue", "wait_s", "deviation_s")


def write(path: Path, wall: list[float], tiers: list[dict[str, dict[str, float]]]) -> Path:
    """Rows from samples: ``tiers[i]`` maps tier -> {busy_seconds, completions, queue,
    wait_seconds, deviation_seconds}."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for when, sample in zip(wall, tiers, strict=True):
            for tier, stats in sorted(sample.items()):
                busy = stats.get("busy_seconds")
                if busy is None:
                    continue
                writer.writerow(
                    [
                        f"{when:.3f}",
                        tier,
                        f"{busy:.6f}",
                        stats.get("completions", ""),
                        stats.get("queue", ""),
                        stats.get("wait_seconds", ""),
                        stats.get("deviation_seconds", ""),
                    ]
                )
    return path


class TierFileError(ValueError):
    """A tiers.csv that cannot be read: one line naming the file and row."""


def read(path: Path) -> TierSeries | None:
    """The busy-time series of every tier in the file; None when it has no rows.

    Tiers sampled at different moments are put on the first tier's sample
    times by linear interpolation of their (cumulative) counters.
    """
    rows: dict[str, list[tuple[float, float]]] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"wall", "tier", "busy_s"} - set(reader.fieldnames or ())
        if missing:
            raise TierFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for n, row in enumerate(reader, start=2):
            try:
                when, busy = float(row["wall"]), float(row["busy_s"])
            except (TypeError, ValueError):
                raise TierFileError(f"{path}:{n}: wall and busy_s must be numbers") from None
            if not (math.isfinite(when) and math.isfinite(busy)):
                raise TierFileError(f"{path}:{n}: wall and busy_s must be finite")
            rows.setdefault(row["tier"], []).append((when, busy))
    if not rows:
        return None
    series = {tier: np.array(sorted(values)) for tier, values in rows.items()}
    wall = next(iter(series.values()))[:, 0]
    return TierSeries(
        wall=wall,
        busy_s={tier: np.interp(wall, v[:, 0], v[:, 1]) for tier, v in series.items()},
    )


def read_counters(path: Path, tier: str) -> dict[str, np.ndarray]:
    """One tier's rows as arrays ``wall``, ``busy_s``, ``completions``, ``wait_s``,
    ``deviation_s``, in time order (NaN where a counter is empty or the column
    absent); empty arrays when the file has no row of ``tier``."""
    keys = ("wall", "busy_s", "completions", "wait_s", "deviation_s")
    rows = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("tier") == tier:
                rows.append([_number(row.get(key)) for key in keys])
    values = np.array(sorted(rows), dtype=float).reshape(-1, len(keys))
    return {key: values[:, i] for i, key in enumerate(keys)}


def _number(text: str | None) -> float:
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan

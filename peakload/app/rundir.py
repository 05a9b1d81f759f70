"""The run directory of the output contract: summary.json, timeseries.csv, the scenario."""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from peakload.app.errors import JobError
from peakload.contract.summary import Summary
from peakload.core.clock import format_clock


def new_run_dir(out: str | Path, kind: str, scenario: str, now: datetime | None = None) -> Path:
    """``<out>/<timestamp>-<kind>-<scenario>/``, made unique if two runs share a second.

    An ``out`` where no directory can be made (read-only, not a directory, under
    ``/proc``) is unusable input: :class:`JobError`, one line naming ``--out``.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(out) / f"{stamp}-{kind}-{scenario}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise JobError(
            f"--out {out}: cannot make the run directory there ({exc.strerror or exc}); "
            "give a writable directory"
        ) from None
    return path


def jsonable(value: Any) -> Any:
    """NaN and infinity are not JSON: they become null."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_summary(run_dir: Path, summary: Summary) -> Path:
    """``summary.json``: the contract's fields that were set, NaN written as ``null``."""
    path = run_dir / "summary.json"
    path.write_text(json.dumps(jsonable(summary.to_dict()), indent=2, allow_nan=False) + "\n")
    return path


def write_timeseries(run_dir: Path, columns: dict[str, np.ndarray]) -> Path:
    """One row per minute; ``clock`` first, then the contract columns, then per tier."""
    path = run_dir / "timeseries.csv"
    names = [k for k in columns if k != "time_s"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["clock", *names])
        for i, t in enumerate(columns["time_s"]):
            row = [format_clock(float(t), with_seconds=True)]
            for name in names:
                value = float(columns[name][i])
                row.append("" if math.isnan(value) else f"{value:.6g}")
            writer.writerow(row)
    return path


def copy_scenario(run_dir: Path, scenario_path: str | Path) -> Path:
    target = run_dir / "scenario.toml"
    shutil.copyfile(scenario_path, target)
    return target

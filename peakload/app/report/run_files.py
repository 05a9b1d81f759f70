"""What a report reads from a run directory, read once: the page is rebuilt from
these files alone, so ``peakload report RUN_DIR`` works offline, long after the run."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from peakload.app.errors import JobError
from peakload.app.provenance import read_provenance
from peakload.core.clock import parse_clock


@dataclass
class RunFiles:
    """One run directory, its files read on first use."""

    run_dir: Path

    def path(self, name: str) -> Path:
        return self.run_dir / name

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def json(self, name: str) -> dict[str, Any]:
        """A JSON file of the run; a missing or broken one is a :class:`JobError`."""
        path = self.path(name)
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise JobError(f"{path}: no such file") from None
        except ValueError as exc:
            raise JobError(f"{path}: not JSON: {exc}") from None

    @cached_property
    def summary(self) -> dict[str, Any]:
        return self.json("summary.json")

    @cached_property
    def provenance(self) -> dict[str, Any] | None:
        return read_provenance(self.run_dir)

    @cached_property
    def scenario_text(self) -> str | None:
        path = self.path("scenario.toml")
        return path.read_text() if path.exists() else None

    @cached_property
    def series(self) -> dict[str, list[float]]:
        """``timeseries.csv`` as columns: ``time_s`` (minute start, seconds of the
        scenario clock) and every numeric column, empty cells as NaN."""
        path = self.path("timeseries.csv")
        if not path.exists():
            return {}
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            return {}
        columns: dict[str, list[float]] = {"time_s": [parse_clock(r["clock"]) for r in rows]}
        for name in rows[0]:
            if name != "clock":
                columns[name] = [float(r[name]) if r[name] else math.nan for r in rows]
        return columns

    @cached_property
    def when(self) -> datetime | None:
        """When the run started: from its provenance, else from the directory name."""
        if self.provenance and self.provenance.get("started"):
            return datetime.fromisoformat(self.provenance["started"])
        try:
            return datetime.strptime(self.run_dir.name[:15], "%Y%m%d-%H%M%S")
        except ValueError:
            return None


def assumptions(scenario_text: str | None) -> str | None:
    """The comment block at the top of a scenario file, verbatim but for the ``#``
    markers: the scenario's stated assumptions. None when the file opens with none."""
    if not scenario_text:
        return None
    lines: list[str] = []
    for line in scenario_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            text = stripped[1:]
            lines.append(text[1:] if text.startswith(" ") else text)
        elif stripped or not lines:
            if stripped:
                break
        else:
            lines.append("")
    text = "\n".join(lines).strip("\n")
    return text or None

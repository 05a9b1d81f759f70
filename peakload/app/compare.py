"""The ``compare`` job: two summaries, metric by metric, a regression told from noise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peakload.app import compare_files
from peakload.app.errors import JobError
from peakload.measure.compare import CompareError, Row, compare_runs, load_tolerances


@dataclass(frozen=True)
class CompareOptions:
    """Two runs (``summary.json`` or run directories) and where to report."""

    baseline: str | Path
    current: str | Path
    tolerance: str | Path | None = None
    markdown: str | Path | None = None
    junit: str | Path | None = None
    name: str | None = None


@dataclass
class Comparison:
    """The rows of a comparison and the suite name they were reported under."""

    name: str
    rows: list[Row]

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.failed]


def compare(options: CompareOptions) -> Comparison:
    """Compare, write the Markdown and JUnit reports asked for, return the rows."""
    try:
        tolerances = load_tolerances(options.tolerance)
        rows, baseline, current = compare_runs(options.baseline, options.current, tolerances)
    except CompareError as exc:
        raise JobError(str(exc)) from None
    name = options.name or f"{current.scenario} ({current.kind} vs {baseline.kind})"
    compare_files.write(options.markdown, compare_files.markdown(rows, name))
    compare_files.write(options.junit, compare_files.junit({name: rows}))
    return Comparison(name, rows)

"""The ``compare`` job: two summaries, metric by metric, a regression told from noise.

Beside the rows, the current run is judged against the SLO of the baseline's
scenario (the ``scenario.toml`` its run directory holds), by the same judge
that gave each run its own verdict: a run can hold every figure within
tolerance of the baseline and still break a limit the baseline only just met.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peakload.app.compare import files as compare_files
from peakload.app.errors import JobError
from peakload.app.provenance import Stopwatch, provenance_record
from peakload.contract.summary import Summary, Verdict
from peakload.core.scenario import Slo
from peakload.core.scenario_file import ScenarioError, load_scenario
from peakload.measure.compare import CompareError, Row, compare_runs, load_tolerances
from peakload.measure.judge import judge


@dataclass(frozen=True)
class CompareOptions:
    """Two runs (``summary.json`` or run directories) and where to report."""

    baseline: str | Path
    current: str | Path
    tolerance: str | Path | None = None
    markdown: str | Path | None = None
    junit: str | Path | None = None
    name: str | None = None
    html: str | Path | None = None


@dataclass
class Comparison:
    """The rows of a comparison and the suite name they were reported under."""

    name: str
    rows: list[Row]
    verdict: Verdict | None = None
    """The current run under the baseline scenario's SLO (``None``: no scenario found)."""

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.failed]


def compare(options: CompareOptions) -> Comparison:
    """Compare, write the Markdown and JUnit reports asked for, return the rows."""
    stopwatch = Stopwatch()
    try:
        tolerances = load_tolerances(options.tolerance)
        rows, baseline, current = compare_runs(options.baseline, options.current, tolerances)
    except CompareError as exc:
        raise JobError(str(exc)) from None
    name = options.name or f"{current.scenario} ({current.kind} vs {baseline.kind})"
    compare_files.write(options.markdown, compare_files.markdown(rows, name))
    compare_files.write(options.junit, compare_files.junit({name: rows}))
    slo = baseline_slo(options.baseline)
    verdict = judge(slo, current) if slo is not None and _judgeable(current) else None
    if options.html:
        from peakload.app.report import compare as compare_page

        paths = (options.baseline, options.current)
        page = compare_page.build(
            name,
            rows,
            baseline.model_dump(mode="json"),
            current.model_dump(mode="json"),
            paths,
            Path(options.html),
            provenance_record(stopwatch, None),
        )
        compare_page.write(options.html, page)
    return Comparison(name, rows, verdict)


def baseline_slo(baseline: str | Path) -> Slo | None:
    """The ``[slo]`` of the scenario saved beside the baseline summary, if there is one."""
    path = Path(baseline)
    scenario = (path if path.is_dir() else path.parent) / "scenario.toml"
    if not scenario.exists():
        return None
    try:
        return load_scenario(scenario).slo
    except ScenarioError:
        return None  # a scenario this version no longer reads: compare the figures only


def _judgeable(summary: Summary) -> bool:
    return summary.overall is not None

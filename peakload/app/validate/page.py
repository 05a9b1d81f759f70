"""validate's ``report.html``: the verdict, the charts of predicted against measured,
then each experiment's rows as the terminal table shows them."""

from __future__ import annotations

from pathlib import Path

from peakload.app.validate.charts import validation_figures
from peakload.app.validate.run import DrillResult, LevelResult, ValidationRun
from peakload.app.validate.table import (
    COLUMNS,
    cells,
    drill_title,
    headline,
    level_title,
    row_verdict,
    undecided_lines,
)
from peakload.measure.validation import (
    ValidationVerdict,
)


def write_validation_report(run: ValidationRun, scenario: str) -> Path:
    """``report.html``: the verdict, then each level's rows as in the terminal table."""
    from peakload.app.report import write_report
    from peakload.app.report.page import Headline, Section, paragraph, table

    drill = " and a failure drill" if run.drill else ""
    verdict = Headline(
        None if run.verdict is ValidationVerdict.INCONCLUSIVE else run.passed,  # neither: grey
        f"VALIDATION {run.verdict.value.upper()}",
        f"{headline(run)}; over {len(run.levels)} level(s){drill}",
        [f"disagrees: {m}" for m in run.failing] + undecided_lines(run),
    )
    columns = COLUMNS
    experiments: list[tuple[str, str, LevelResult | DrillResult]] = [
        (f"Level {level.plateau.level:g}", level_title(level), level) for level in run.levels
    ]
    if run.drill is not None:
        experiments.append(("Failure drill", drill_title(run.drill), run.drill))
    charts = validation_figures(run)
    sections = [Section("Predicted against measured", charts)] if charts else []
    for heading, title, done in experiments:
        sections.append(
            Section(
                heading,
                [
                    paragraph(
                        f"{title}; simulation {done.simulation.run_dir.name}, "
                        f"load test {done.measurement.run_dir.name}"
                    ),
                    table(
                        columns,
                        [(*cells(r), row_verdict(r)) for r in done.rows],
                        bad=[r.failed for r in done.rows],
                    ),
                ],
            )
        )
    if run.drill_skipped:
        skipped = paragraph(f"The drill was {run.drill_skipped}.")
        sections.append(Section("Failure drill", [skipped]))
    return write_report(run.run_dir, sections, verdict, title=f"Validation: {scenario}")

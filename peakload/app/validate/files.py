"""What ``validate`` leaves behind: ``validation.json``, ``validation.png``, the
table and ``report.html``; the levels' rows, then the failure drill's."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from peakload.app.run_dir import jsonable
from peakload.app.validate.run import DrillResult, LevelResult, ValidateOptions, ValidationRun
from peakload.contract.validation import ValidationDocument
from peakload.measure.validation import (
    MATTERS_SHARE,
    MIN_TRANSACTION_REQUESTS,
    Agreement,
    MetricKind,
    PredictionBasis,
    Row,
    ValidationVerdict,
)

RULE = (
    "difference = predicted - measured; noise = sqrt(ci_p^2 + ci_m^2) (95% half-widths: "
    "replications for the prediction, batch means over the window for the measurement). "
    "agree: |difference| <= bound; agree, within noise: |difference| <= bound + noise; "
    "disagree: beyond bound + noise (the model misses by more than the bound with 95% "
    "confidence). Bounds are relative to the measurement for throughput and times "
    "(a client's mean or p95 compared as queue time only, with no delay tier in the model "
    "and no outside time reported by the server, also agrees within latency_floor_s; a "
    "tier's wait within wait_floor_s), absolute points for utilization and share. "
    "A transaction's predicted mean and p95 against a server reporting its own time outside "
    "the tiers are the model's figure plus that measured outside mean. "
    "detectable = bound + noise, the smallest miss that would have disagreed; decisive: "
    "noise <= bounds.decisive x bound. Verdict: fail when a row disagrees, else "
    "inconclusive when a row that matters (throughput, each tier's utilization, the mean of "
    f"each transaction with >= {MATTERS_SHARE:.0%} of the model's requests) is not decisive, "
    "else pass. "
    f"Per-transaction rows only with >= {MIN_TRANSACTION_REQUESTS} measured requests. "
    "Drill rows (drills.<drill>.<inside|outside>.<figure>): the failing tier's mean wait and "
    "response inside the drill and in the rest of the window; measured half-widths from batch "
    "means of the server's counters."
)


def document(run: ValidationRun, options: ValidateOptions) -> ValidationDocument:
    """``validation.json``, typed (:mod:`peakload.contract.validation`)."""
    return ValidationDocument(
        passed=run.passed,
        verdict=run.verdict.value,
        decisive=sum(r.decisive for r in run.rows),
        max_minutes=options.max_minutes,
        scenario=str(options.scenario_path),
        serve_scenario=str(options.serve_scenario_path) if options.serve_scenario_path else None,
        host=options.host or "mock (started by peakload)",
        replications=options.replications,
        bounds=run.bounds.as_dict(),
        rule=RULE,
        failing=run.failing,
        failing_rows=[f"{r.metric}@{r.level:g}" for r in run.level_rows if r.failed]
        + [r.metric for r in (run.drill.rows if run.drill else []) if r.failed],
        imprecise=sorted({r.metric for r in run.rows if r.imprecise}),
        levels=[level.record() for level in run.levels],
        drill=run.drill.record() if run.drill else run.drill_skipped,
    )


def write_document(run_dir: Path, doc: ValidationDocument) -> Path:
    path = run_dir / "validation.json"
    path.write_text(json.dumps(jsonable(doc.to_dict()), indent=2, allow_nan=False) + "\n")
    return path


def _value(row_value: float, kind: MetricKind) -> str:
    if not math.isfinite(row_value):
        return "-"
    if kind.seconds:
        return f"{row_value * 1000:,.1f} ms"
    if kind is MetricKind.THROUGHPUT:
        return f"{row_value:,.2f}/s"
    return f"{row_value:.1%}"


def _ci(half: float, kind: MetricKind) -> str:
    if not math.isfinite(half):
        return ""
    if kind.seconds:
        return f" ±{half * 1000:.1f}"
    if kind is MetricKind.THROUGHPUT:
        return f" ±{half:.2f}"
    return f" ±{half:.1%}"


def _error(row: Row) -> str:
    if not math.isfinite(row.error):
        return "-"
    if row.kind.relative:
        return f"{row.error:+.1%}"
    return f"{row.error * 100:+.1f} pt"


def _bound(row: Row) -> str:
    if row.basis is PredictionBasis.QUEUE_ONLY and row.kind.seconds:
        return f"±{row.bound * 1000:.1f} ms (queue time only)"
    if row.kind.relative:
        m = abs(row.measured.value)
        relative = row.bound / m if m else math.inf
        return f"±{relative:.0%}" if math.isfinite(relative) else "-"
    return f"±{row.bound * 100:.1f} pt"


def _detectable(row: Row) -> str:
    """The smallest miss the row could have detected, in the bound's terms."""
    if not math.isfinite(row.detectable):
        return "-"
    if row.kind.relative:
        m = abs(row.measured.value)
        return f"{row.detectable / m:.0%}" if m else "-"
    return f"{row.detectable * 100:.1f} pt"


def _predicted(row: Row) -> str:
    """The prediction; with the server's outside time added, as the sum it is."""
    ci = _ci(row.predicted.ci95, row.kind)
    if row.basis is PredictionBasis.PLUS_OUTSIDE and row.kind.seconds:
        return f"{row.model_value * 1000:,.1f} + {row.outside_s * 1000:.1f} outside{ci}"
    return _value(row.predicted.value, row.kind) + ci


_STYLE = {
    Agreement.AGREE: "green",
    Agreement.WITHIN_NOISE: "yellow",
    Agreement.DISAGREE: "bold red",
}


COLUMNS = ("metric", "predicted", "measured", "error", "bound", "detects", "verdict")


def _cells(row: Row) -> tuple[str, str, str, str, str, str]:
    """metric, predicted, measured, error, bound and detectable miss as the table
    shows them (a row that matters is starred)."""
    return (
        row.metric + (" *" if row.matters else ""),
        _predicted(row),
        _value(row.measured.value, row.kind) + _ci(row.measured.ci95, row.kind),
        _error(row),
        _bound(row),
        _detectable(row),
    )


def _verdict(row: Row) -> str:
    if row.failed:
        return row.verdict.value
    return row.verdict.value + (", decisive" if row.decisive else " (not decisive)")


def headline(run: ValidationRun) -> str:
    """How many figures agree decisively, agree without being decisive, disagree; and
    how many of those that matter are decisive."""
    rows = run.rows
    failed = sum(r.failed for r in rows)
    decisive = sum(r.decisive and not r.failed for r in rows)
    loose = len(rows) - failed - decisive
    mattering = [r for r in rows if r.matters]
    missing = sum(len(level.missing) for level in run.levels)
    return (
        f"{len(rows)} figures: {decisive} agree decisively, {loose} agree but imprecise, "
        f"{failed} disagree; of the rows that matter, "
        f"{sum(r.decisive for r in mattering)} of {len(mattering) + missing} are decisive"
    )


def undecided_lines(run: ValidationRun) -> list[str]:
    """The rows that matter and are not decisive, each with the window that would decide
    it."""
    return [f"not decisive: {u.label()}" for u in run.undecided]


def _level_title(level: LevelResult) -> str:
    workload = level.plan.scenario.workload.kind
    return (
        f"level {level.plateau.level:g}: {level.plateau.load:g} "
        f"{'users' if workload == 'closed' else 'req/s'}, "
        f"window {'-'.join(level.measurement.summary.window or [])}"
    )


def _drill_title(drill: DrillResult) -> str:
    plan = drill.plan
    failures = ", ".join(f.label for f in plan.scenario.failures)
    return (
        f"drill: {failures}; the scenario's day at x{plan.compress:g}, user scale "
        f"{plan.user_scale:g}, window {'-'.join(drill.measurement.summary.window or [])}"
    )


def print_validation(run: ValidationRun, console: Console, all_rows: bool = True) -> None:
    tables = [(_level_title(level), level.rows) for level in run.levels]
    if run.drill is not None:
        tables.append((_drill_title(run.drill), run.drill.rows))
    for title, rows in tables:
        shown = [
            row for row in rows if all_rows or not (row.verdict is Agreement.AGREE and row.decisive)
        ]
        if not shown:  # --quiet and nothing to say: a line, not an empty table
            console.print(
                f"{title}: {len(rows)} row(s), every one agrees decisively",
                markup=False,
                highlight=False,
            )
            continue
        table = Table(title=title, title_justify="left")
        for column in COLUMNS:
            table.add_column(column, justify="left" if column in ("metric", "verdict") else "right")
        for row in shown:
            table.add_row(*_cells(row), f"[{_STYLE[row.verdict]}]{_verdict(row)}[/]")
        console.print(table)
    if run.drill_skipped:
        console.print(f"drill {run.drill_skipped}", markup=False, highlight=False)
    console.print("* a row that matters: it must be decisive for a pass", highlight=False)
    console.print(headline(run), markup=False, highlight=False)
    verdict = run.verdict
    if verdict is ValidationVerdict.PASS:
        console.print("[bold green]VALIDATION: PASS[/bold green] (every row that matters decides)")
    elif verdict is ValidationVerdict.FAIL:
        console.print(
            "[bold red]VALIDATION: FAIL[/bold red] disagreeing: " + ", ".join(run.failing)
        )
    else:
        console.print(
            "[bold yellow]VALIDATION: INCONCLUSIVE[/bold yellow] nothing disagrees, but "
            f"{len(run.undecided)} row(s) that matter could not have failed: "
            + "; ".join(u.label() for u in run.undecided)
            + (
                f"; --max-minutes {suggested_minutes(run):.0f} would size them"
                if run.levels
                else ""
            ),
            highlight=False,
        )


def suggested_minutes(run: ValidationRun) -> float:
    """A ``--max-minutes`` that would give every undecided level the window it needs:
    the load tests as run, and for each undecided level one more plateau adding what
    its rows still need."""
    total = 0.0
    for level in run.levels:
        for plan in (level.plan, level.pilot_plan):
            if plan is not None:
                total += plan.setup_s + plan.wall_duration_s
        needs = [w for w in level.needed.values() if math.isfinite(w)]
        if needs and max(needs) > level.window_s:
            total += level.plan.setup_s + level.plateau.warmup_s + max(needs) - level.window_s
    if run.drill is not None:
        total += run.drill.plan.setup_s + run.drill.plan.wall_duration_s
    return math.ceil(total / 60 + 1)


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
        (f"Level {level.plateau.level:g}", _level_title(level), level) for level in run.levels
    ]
    if run.drill is not None:
        experiments.append(("Failure drill", _drill_title(run.drill), run.drill))
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
                        [(*_cells(r), _verdict(r)) for r in done.rows],
                        bad=[r.failed for r in done.rows],
                    ),
                ],
            )
        )
    if run.drill_skipped:
        skipped = paragraph(f"The drill was {run.drill_skipped}.")
        sections.append(Section("Failure drill", [skipped]))
    return write_report(run.run_dir, sections, verdict, title=f"Validation: {scenario}")


@dataclass(frozen=True)
class Panel:
    """One chart of predicted against measured: its title, which metrics it shows and
    the factor from the metric's unit to the chart's. The PNG and report.html draw
    the same panels."""

    title: str
    metrics: tuple[str, ...] = ()
    """Metrics shown by name; empty: those ending in ``suffix``."""
    suffix: str = ""
    unit: float = 1.0

    def shows(self, metric: str) -> bool:
        return metric in self.metrics if self.metrics else metric.endswith(self.suffix)


PANELS = (
    Panel("throughput (req/s)", metrics=("overall.throughput_rps",)),
    Panel("overall mean and p95 (ms)", metrics=("overall.mean_s", "overall.p95_s"), unit=1e3),
    Panel("tier utilization (%)", suffix=".utilization", unit=100.0),
    Panel("tier mean response (ms)", suffix=".mean_response_s", unit=1e3),
)


def validation_figures(run: ValidationRun) -> list[Any]:
    """The :data:`PANELS` as interactive charts for report.html: each metric at each
    level, predicted beside measured with its 95 % interval."""
    from peakload.app.report.figures import paired_intervals

    rows = run.level_rows
    out = []
    for panel in PANELS:
        mine = [r for r in rows if panel.shows(r.metric)]
        if not mine:
            continue
        categories = [f"{_short(r.metric)} @ {r.level:g}" for r in mine]
        sides = [
            (
                side,
                [e.value * panel.unit for e in estimates],
                [_bar(e.ci95) * panel.unit for e in estimates],
            )
            for side, estimates in (
                ("predicted", [r.predicted for r in mine]),
                ("measured", [r.measured for r in mine]),
            )
        ]
        title, _, unit = panel.title.rpartition(" (")
        out.append(paired_intervals(categories, sides[0], sides[1], title, unit.rstrip(")")))
    return out


def plot_validation(run: ValidationRun, path: Path) -> Path:
    """Predicted (open markers) vs measured (filled) per level, 95 % intervals as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), dpi=110)
    rows = run.level_rows  # the drill's rows are in the table and report, not on these axes
    levels = sorted({r.level for r in rows})
    position = {level: i for i, level in enumerate(levels)}  # levels evenly spaced
    for ax, panel in zip(axes.flat, PANELS, strict=True):
        title, unit = panel.title, panel.unit
        metrics = list(dict.fromkeys(r.metric for r in rows if panel.shows(r.metric)))
        width = 0.8 / max(1, len(metrics))
        for i, metric in enumerate(metrics):
            mine = [r for r in rows if r.metric == metric]
            x = [position[r.level] - 0.4 + (i + 0.5) * width for r in mine]
            color = f"C{i % 10}"
            measured = [r.measured.value * unit for r in mine]
            ax.errorbar(
                [v - width / 5 for v in x],
                measured,
                yerr=[_bar(r.measured.ci95) * unit for r in mine],
                fmt="o",
                color=color,
                capsize=3,
                label=f"{_short(metric)} measured",
            )
            ax.errorbar(
                [v + width / 5 for v in x],
                [r.predicted.value * unit for r in mine],
                yerr=[_bar(r.predicted.ci95) * unit for r in mine],
                fmt="s",
                mfc="none",
                color=color,
                capsize=3,
                label=f"{_short(metric)} predicted",
            )
            for r, xv, yv in zip(mine, x, measured, strict=True):
                if r.failed:
                    ax.annotate(
                        "✗",
                        (xv, yv),
                        xytext=(6, 0),
                        textcoords="offset points",
                        color="red",
                        fontsize=12,
                        va="center",
                    )
        ax.set_title(title)
        ax.set_xticks(range(len(levels)), [f"{level:g}" for level in levels])
        ax.set_xlim(-0.5, len(levels) - 0.5)
        ax.set_xlabel("level (fraction of the peak)")
        ax.grid(True, axis="y", alpha=0.3)
        if metrics:
            ax.legend(fontsize="x-small", ncol=2)
    failing = run.failing
    verdict = {
        ValidationVerdict.PASS: "PASS",
        ValidationVerdict.FAIL: f"FAIL: {len(failing)} metric(s) disagree (✗)",
        ValidationVerdict.INCONCLUSIVE: f"INCONCLUSIVE: {len(run.undecided)} row(s) not decisive",
    }[run.verdict]
    fig.suptitle(f"validate: predicted (open) vs measured (filled), 95 % intervals: {verdict}")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _bar(half: float) -> float:
    return half if math.isfinite(half) else 0.0


def _short(metric: str) -> str:
    parts = metric.split(".")
    return parts[1] if parts[0] == "tiers" else parts[-1]

"""validate's terminal table: one per level, then the failure drill's, each row's
figures in their unit, and the verdict; the same cells go into report.html."""

from __future__ import annotations

import math

from rich.console import Console

from peakload.app.table import titled_table
from peakload.app.validate.plateau import shortest_window
from peakload.app.validate.run import DrillResult, LevelResult, ValidationRun
from peakload.measure.validation import (
    Agreement,
    MetricKind,
    PredictionBasis,
    Row,
    ValidationVerdict,
)


def _in_unit(value: float, kind: MetricKind, grouped: str = ",") -> tuple[str, str]:
    """A figure in its kind's unit (ms, req/s or %), and the unit's suffix."""
    if kind.seconds:
        return f"{value * 1000:{grouped}.1f}", " ms"
    if kind is MetricKind.THROUGHPUT:
        return f"{value:{grouped}.2f}", "/s"
    return f"{value:.1%}", ""


def _value(row_value: float, kind: MetricKind) -> str:
    """A predicted or measured figure with its unit; ``-`` for none."""
    if not math.isfinite(row_value):
        return "-"
    return "".join(_in_unit(row_value, kind))


def _ci(half: float, kind: MetricKind) -> str:
    """`` ±<half-width>`` in the figure's unit (the unit not repeated); nothing for none."""
    if not math.isfinite(half):
        return ""
    return " ±" + _in_unit(half, kind, grouped="")[0]


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
    """The prediction and its half-width on the measurement's side (the one the row is
    judged with); with the server's outside time added, as the sum it is."""
    ci = _ci(row.predicted.toward(row.measured.value), row.kind)
    if row.basis is PredictionBasis.PLUS_OUTSIDE and row.kind.seconds:
        return f"{row.model_value * 1000:,.1f} + {row.outside_s * 1000:.1f} outside{ci}"
    return _value(row.predicted.value, row.kind) + ci


_STYLE = {
    Agreement.AGREE: "green",
    Agreement.WITHIN_NOISE: "yellow",
    Agreement.DISAGREE: "bold red",
}


COLUMNS = ("metric", "predicted", "measured", "error", "bound", "detects", "verdict")


def cells(row: Row) -> tuple[str, str, str, str, str, str]:
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


def row_verdict(row: Row) -> str:
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


def level_title(level: LevelResult) -> str:
    workload = level.plan.scenario.workload.kind
    return (
        f"level {level.plateau.level:g}: {level.plateau.load:g} "
        f"{'users' if workload == 'closed' else 'req/s'}, "
        f"window {'-'.join(level.measurement.summary.window or [])}"
    )


def drill_title(drill: DrillResult) -> str:
    plan = drill.plan
    failures = ", ".join(f.label for f in plan.scenario.failures)
    return (
        f"drill: {failures}; the scenario's day at x{plan.compress:g}, user scale "
        f"{plan.user_scale:g}, window {'-'.join(drill.measurement.summary.window or [])}"
    )


def print_validation(run: ValidationRun, console: Console, all_rows: bool = True) -> None:
    tables = [(level_title(level), level.rows) for level in run.levels]
    if run.drill is not None:
        tables.append((drill_title(run.drill), run.drill.rows))
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
        table = titled_table(title, COLUMNS, left={"metric", "verdict"})
        for row in shown:
            table.add_row(*cells(row), f"[{_STYLE[row.verdict]}]{row_verdict(row)}[/]")
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
    its rows still need (at least the shortest window, ``--min-window``)."""
    total = 0.0
    shortest = shortest_window(run.min_window_s)
    for level in run.levels:
        for plan in (level.plan, level.pilot_plan):
            if plan is not None:
                total += plan.setup_s + plan.wall_duration_s
        needs = [w for w in level.needed.values() if math.isfinite(w)]
        if needs and max(needs) > level.window_s:
            extra = max(shortest, max(needs) - level.window_s)
            total += level.plan.setup_s + level.plateau.warmup_s + extra
    if run.drill is not None:
        total += run.drill.plan.setup_s + run.drill.plan.wall_duration_s
    return math.ceil(total / 60 + 1)

"""``results/index.html``: one row per run (kind, scenario, when, verdict, headline
figures), each linked to its page. A run without a page gets one first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.report.build import KINDS, PAGE, build_report
from peakload.app.report.page import Headline, Html, Report, Section, escape, render
from peakload.app.report.run_files import RunFiles

INDEX = "index.html"


@dataclass(frozen=True)
class Entry:
    run_dir: Path
    report: Report
    when: datetime | None


def run_dirs(results: Path) -> list[Path]:
    """Every run directory directly under ``results``, oldest first."""
    markers = {k.marker for k in KINDS}
    return sorted(
        p for p in results.iterdir() if p.is_dir() and any((p / m).exists() for m in markers)
    )


def _row(entry: Entry, results: Path) -> str:
    verdict = entry.report.verdict
    state = {True: "pass", False: "fail", None: "none"}[verdict.passed]
    target = entry.run_dir / PAGE if (entry.run_dir / PAGE).exists() else entry.run_dir
    href = target.relative_to(results).as_posix()
    figures = "; ".join(f"{k} {v}" for k, v in entry.report.headline.items())
    if verdict.passed is None:
        figures = verdict.answer
    when = entry.when.strftime("%Y-%m-%d %H:%M") if entry.when else "-"
    return (
        f'<tr class="{state}"><td><a href="{escape(href)}">{escape(entry.run_dir.name)}</a></td>'
        f"<td>{escape(entry.report.kind)}</td>"
        f"<td>{escape(entry.report.scenario)}</td><td>{escape(when)}</td>"
        f'<td class="verdict-cell">{escape(verdict.label)}</td><td>{escape(figures)}</td></tr>'
    )


def write_index(
    results: str | Path, progress: Callable[[float], None] | None = None
) -> tuple[Path, int]:
    """Write ``results/index.html``; returns its path and the number of pages it
    had to build (runs that had no ``report.html`` yet). ``progress`` gets the
    runs done so far; the total is ``len(run_dirs(results))``."""
    results = Path(results)
    if not results.is_dir():
        raise JobError(f"{results}: no such directory")
    entries, built = [], 0
    for i, run_dir in enumerate(run_dirs(results)):
        try:
            report = build_report(run_dir)
        except JobError as exc:  # one unreadable run must not hide the others
            report = Report(run_dir.name, "", Headline(None, "UNREADABLE", str(exc)))
            entries.append(Entry(run_dir, report, RunFiles(run_dir).when))
            continue
        if not (run_dir / PAGE).exists():
            (run_dir / PAGE).write_text(render(report), encoding="utf-8")
            built += 1
        entries.append(Entry(run_dir, report, RunFiles(run_dir).when))
        if progress is not None:
            progress(i + 1)
    entries.sort(key=lambda e: (e.when or datetime.min).replace(tzinfo=None), reverse=True)
    passed = sum(e.report.verdict.passed is True for e in entries)
    failed = sum(e.report.verdict.passed is False for e in entries)
    rows = "".join(_row(e, results) for e in entries)
    body = Html(
        "<table><thead><tr><th>run</th><th>kind</th><th>scenario</th><th>when</th>"
        f"<th>verdict</th><th>headline</th></tr></thead><tbody>{rows}</tbody></table>"
        "<style>tr.fail .verdict-cell { color: var(--fail); font-weight: 700; }"
        "tr.pass .verdict-cell { color: var(--pass); font-weight: 700; }</style>"
    )
    index = Report(
        title=f"Runs in {results.resolve().name}",
        subtitle=f"{len(entries)} runs, newest first",
        verdict=Headline(
            failed == 0 if entries else None,
            f"{passed} PASS, {failed} FAIL",
            f"{len(entries)} runs under {results}",
        ),
        sections=[Section("Runs", [body])],
    )
    path = results / INDEX
    path.write_text(render(index), encoding="utf-8")
    return path, built

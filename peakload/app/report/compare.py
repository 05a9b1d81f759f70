"""The page of a comparison (``peakload compare A B --html OUT``): the verdict, each
metric's change beside its tolerance, and the rows behind it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from peakload.app.numbers import change, num4
from peakload.app.provenance import read_provenance
from peakload.app.report import figures
from peakload.app.report.common import provenance_table
from peakload.app.report.page import (
    Block,
    Headline,
    Html,
    Report,
    Section,
    link,
    paragraph,
    render,
    table,
)
from peakload.measure.compare import Row


def verdict_label(rows: list[Row]) -> str:
    return "REGRESSION" if any(r.failed for r in rows) else "NO REGRESSION"


def _rows_table(rows: list[Row]) -> Html:
    return table(
        ["metric", "baseline", "current", "change", "tolerance", "decided by", "verdict", ""],
        [
            (
                r.metric,
                num4(r.baseline),
                num4(r.current),
                change(r),
                f"±{r.tolerance.rel:.0%} (min {r.tolerance.abs:g})",
                r.test,
                r.verdict,
                r.detail,
            )
            for r in rows
        ],
        [r.failed for r in rows],
    )


def _run_dir(path: str | Path) -> Path:
    return Path(path) if Path(path).is_dir() else Path(path).parent


def _provenance(comparison: dict[str, Any], paths: tuple[str | Path, str | Path]) -> list[Block]:
    """What made this comparison, then what made each run (its own ``provenance.json``)."""
    blocks: list[Block] = [paragraph("This comparison:"), provenance_table(comparison)]
    for role, path in zip(("baseline", "current"), paths, strict=True):
        record = read_provenance(_run_dir(path))
        blocks.append(paragraph(f"The {role} run ({_run_dir(path).name}):"))
        blocks.append(
            provenance_table(record)
            if record is not None
            else paragraph("not recorded (the run predates provenance.json)")
        )
    return blocks


def _run_link(path: str | Path, out: Path, summary: dict[str, Any]) -> Html:
    run_dir = _run_dir(path)
    page = run_dir / "report.html"
    label = f"{summary['kind']} of {summary['scenario']} ({run_dir.name})"
    if not page.exists():
        return Html(f"<p>{label}</p>")
    href = os.path.relpath(page.resolve(), out.resolve().parent)
    return Html(f"<p>{link(href, label).markup}</p>")


def build(
    name: str,
    rows: list[Row],
    baseline: dict[str, Any],
    current: dict[str, Any],
    paths: tuple[str | Path, str | Path],
    out: Path,
    provenance: dict[str, Any],
) -> Report:
    """The page; ``provenance`` is this comparison's own record
    (:func:`peakload.app.provenance.provenance_record`)."""
    failed = [r for r in rows if r.failed]
    improved = sum(r.verdict == "improvement" for r in rows)
    missing = sum(r.verdict == "missing" for r in rows)
    answer = (
        f"{len(rows)} metrics compared: {len(failed)} regression(s), {improved} "
        f"improvement(s), {missing} missing"
    )
    notes = [
        f"{r.metric}: {num4(r.baseline)} -> {num4(r.current)} ({change(r)}); {r.detail}"
        for r in failed
    ]
    sections = [
        Section("Changes", [figures.changes(rows)]),
        Section("Metrics", [_rows_table(rows)]),
        Section(
            "The two runs",
            [
                Html("<p><b>baseline</b></p>"),
                _run_link(paths[0], out, baseline),
                Html("<p><b>current</b></p>"),
                _run_link(paths[1], out, current),
            ],
        ),
        Section("Provenance", _provenance(provenance, paths)),
    ]
    return Report(
        title=f"Comparison: {name}",
        subtitle=f"{current['kind']} of {current['scenario']} against "
        f"{baseline['kind']} of {baseline['scenario']}",
        verdict=Headline(not failed, verdict_label(rows), answer, notes),
        sections=sections,
        kind="compare",
        scenario=current["scenario"],
    )


def write(out: str | Path, report: Report) -> Path:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return path

"""Which page a run directory gets, and writing it.

A run's kind is told by the file only that kind writes (:data:`KINDS`, first
match wins); its ``build`` turns the directory's files into a
:class:`~peakload.app.report.page.Report`; :func:`write_report` adds the closing
sections every page has (assumptions, provenance, files) and writes
``report.html``.

Adding a kind (validate, calibrate, ...): write a module with
``build(run: RunFiles) -> Report`` and add one :class:`PageKind` to :data:`KINDS`
before ``summary.json``. A job that already holds its figures in memory can
instead call :func:`write_report` with its own sections and verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.report import run as run_page
from peakload.app.report import sizing as sizing_page
from peakload.app.report.common import closing_sections
from peakload.app.report.page import Headline, Report, Section, render
from peakload.app.report.run_files import RunFiles

PAGE = "report.html"


@dataclass(frozen=True)
class PageKind:
    """A kind of run: its name, the file that marks it and the page builder."""

    name: str
    marker: str
    build: Callable[[RunFiles], Report]


KINDS: tuple[PageKind, ...] = (
    PageKind("sizing", "sizing.json", sizing_page.build),
    PageKind("run", "summary.json", run_page.build),  # simulation or loadtest: one contract
)


def kind_of(run_dir: Path) -> PageKind:
    """The kind of ``run_dir``; a directory no kind recognizes is a :class:`JobError`."""
    if not run_dir.is_dir():
        raise JobError(f"{run_dir}: not a run directory")
    for kind in KINDS:
        if (run_dir / kind.marker).exists():
            return kind
    markers = ", ".join(k.marker for k in KINDS)
    raise JobError(f"{run_dir}: not a run directory (none of {markers})")


def build_report(run_dir: str | Path) -> Report:
    """The report of ``run_dir`` with its closing sections, not yet written."""
    run = RunFiles(Path(run_dir))
    kind = kind_of(run.run_dir)
    try:
        report = kind.build(run)
    except (KeyError, TypeError, IndexError) as exc:
        raise JobError(
            f"{run.run_dir / kind.marker}: not readable as a {kind.name}: {exc!r}"
        ) from None
    report.sections.extend(closing_sections(run))
    return report


def write_report(
    run_dir: str | Path,
    sections: Sequence[Section] | None = None,
    verdict: Headline | None = None,
    title: str | None = None,
    subtitle: str = "",
) -> Path:
    """Write ``run_dir/report.html`` and return its path.

    With no ``sections`` the page is built from the run's files by its kind's
    builder (what every job and ``peakload report`` do). With ``sections`` and a
    ``verdict``, the page is those, followed by the closing sections every page
    has (assumptions from ``scenario.toml``, ``provenance.json``, the files)::

        write_report(run_dir, [Section("Levels", [table(...), figure])],
                     Headline(True, "VALIDATED", "predicted within measured at 3 of 3 levels"),
                     title="Validation: kbnn-2020-04-peak")
    """
    run_dir = Path(run_dir)
    if sections is None:
        report = build_report(run_dir)
    else:
        if verdict is None:
            raise ValueError("write_report: a page of given sections needs a verdict")
        run = RunFiles(run_dir)
        report = Report(
            title or run_dir.name, subtitle, verdict, [*sections, *closing_sections(run)]
        )
    path = run_dir / PAGE
    path.write_text(render(report), encoding="utf-8")
    return path

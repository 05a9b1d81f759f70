"""``report.html``: one self-contained page per run, verdict first.

The API, for a job that writes a run directory::

    from peakload.app.report import Section, Headline, table, write_report

    write_report(run_dir)            # the page its files describe (by kind)
    write_report(run_dir, [Section("Levels", [table(columns, rows), figure])],
                 Headline(passed, "VALIDATED", "3 of 3 levels agree"), title="...")

- :mod:`.page`: :class:`Report`, :class:`Section`, :class:`Headline` and the HTML
  helpers (:func:`table`, :func:`paragraph`, ...); :func:`render`.
- :mod:`.figures`: the plotly figures (time series, capacity, changes).
- :mod:`.run`, :mod:`.sizing`: one builder per kind of run; :mod:`.build` picks
  one by the files a run holds (:data:`KINDS`) and writes the page.
- :mod:`.index`: the index page of a results directory; :mod:`.compare`: the
  page of a comparison.
"""

from peakload.app.report.build import KINDS, PAGE, PageKind, build_report, write_report
from peakload.app.report.page import (
    Headline,
    Html,
    Report,
    Section,
    bullets,
    link,
    paragraph,
    preformatted,
    render,
    table,
)
from peakload.app.report.run_files import RunFiles

__all__ = [
    "KINDS",
    "PAGE",
    "Headline",
    "Html",
    "PageKind",
    "Report",
    "RunFiles",
    "Section",
    "build_report",
    "bullets",
    "link",
    "paragraph",
    "preformatted",
    "render",
    "table",
    "write_report",
]

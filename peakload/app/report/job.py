"""The ``report`` job: rebuild run pages from their files, and the index of a results
directory. Offline: it reads only the run directories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.report.build import write_report
from peakload.app.report.index import run_dirs, write_index


@dataclass(frozen=True)
class ReportOptions:
    """Run directories whose page to rebuild, and/or a results directory to index."""

    run_dirs: Sequence[str | Path] = ()
    index: str | Path | None = None


@dataclass
class ReportDone:
    """The pages written, the index page (if asked for) and how many pages the index
    had to build for runs that had none."""

    pages: list[Path] = field(default_factory=list)
    index: Path | None = None
    built_for_index: int = 0


def work(options: ReportOptions) -> int:
    """The progress total of :func:`report`: one unit per page to consider."""
    runs = len(options.run_dirs)
    if options.index is not None and Path(options.index).is_dir():
        runs += len(run_dirs(Path(options.index)))
    return runs


def report(options: ReportOptions, progress: Callable[[float], None] | None = None) -> ReportDone:
    """Rebuild each run's ``report.html``, then the index; ``progress`` gets the pages
    done so far (total :func:`work`)."""
    if not options.run_dirs and options.index is None:
        raise JobError("give a run directory to rebuild, or --index RESULTS_DIR")
    done = ReportDone()
    for i, run_dir in enumerate(options.run_dirs):
        done.pages.append(write_report(run_dir))
        if progress is not None:
            progress(i + 1)
    if options.index is not None:
        offset = len(done.pages)
        done.index, done.built_for_index = write_index(
            options.index, (lambda n: progress(offset + n)) if progress else None
        )
    return done

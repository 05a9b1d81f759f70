"""``peakload report``: rebuild a run's report.html, or the index of a results directory."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.cli.console import plain
from peakload.cli.errors import EXIT_OK

NAME = "report"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="rebuild a run's report.html, or an index page of every run",
        description=(
            "Rebuild report.html of each RUN_DIR from its files (summary.json, timeseries.csv, "
            "scenario.toml, sizing.json, provenance.json): one self-contained page, verdict "
            "first. With --index DIR, write DIR/index.html listing every run in DIR (kind, "
            "scenario, when, verdict, headline figures), building pages that are missing."
        ),
        epilog="Exit codes: 0 written, 2 not a run directory.",
    )
    parser.add_argument("run_dirs", nargs="*", metavar="RUN_DIR", help="run directories")
    parser.add_argument("--index", metavar="DIR", help="write DIR/index.html of every run in DIR")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.progress import progress_bar
    from peakload.app.report.job import ReportOptions, report, work

    job = ReportOptions(run_dirs=tuple(args.run_dirs), index=args.index)
    with progress_bar("writing report pages", work(job), args.quiet, delay_s=2.0) as advance:
        done = report(job, progress=advance)
    for page in done.pages:
        plain(console, f"report: {page}")
    if done.index is not None:
        plain(console, f"index: {done.index} ({done.built_for_index} missing page(s) built)")
    return EXIT_OK

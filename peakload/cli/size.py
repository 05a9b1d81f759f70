"""``peakload size``: the cheapest tier sizes that meet the SLO with 95 % confidence."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.cli import options
from peakload.cli.console import plain, warn_if_unfit
from peakload.cli.errors import EXIT_FAILED, EXIT_OK

NAME = "size"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="find the cheapest tier sizes that meet the SLO with 95%% confidence",
        description=(
            "Size the system for the scenario's peak: start from analytic bounds, confirm "
            "candidates with seeded replications on common random numbers, and recommend "
            "the cheapest instances per tier whose 95 % confidence bounds meet every SLO, "
            "also with one instance of any tier lost for 30 minutes at the peak (N-1). "
            "Writes sizing.json, a scenario file with the recommended tiers and plots."
        ),
    )
    options.add_scenario(parser)
    parser.add_argument(
        "--scale",
        type=options.positive_float,
        default=1.0,
        metavar="F",
        help="multiply the concurrency profile by F (growth; default 1)",
    )
    parser.add_argument("--no-n1", action="store_true", help="skip the N-1 failure check")
    parser.add_argument(
        "--search-workers",
        action="store_true",
        help="also tune workers per instance (up to twice the scenario's; not on a tier "
        "sharing cores, whose pool stays as deployed)",
    )
    options.add_replications(
        parser,
        5,
        "most replications per candidate (default 5); a candidate stops after two once "
        "every 95%% interval is clear of its limit",
    )
    parser.add_argument(
        "--full-day",
        action="store_true",
        help="run candidates from the scenario's start (default: a warm-up of two mean "
        "think times, at least 5 min, before the window, users starting in their state)",
    )
    options.add_jobs(parser, "local processes")
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://host:8786) to run candidates on",
    )
    options.add_seed(parser, "seed of the common random numbers")
    options.add_output(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.progress import progress_bar
    from peakload.app.size import files as sizing_files
    from peakload.app.size.job import SizeOptions, size

    warn_if_unfit(console, args.scenario)  # an inconclusive calibration's model
    job = SizeOptions(
        scenario_path=args.scenario,
        scale=args.scale,
        n1=not args.no_n1,
        search_workers=args.search_workers,
        replications=args.replications,
        jobs=args.jobs,
        cluster=args.cluster,
        seed=args.seed,
        out=args.out,
        plots=not args.no_plots,
        short_day=not args.full_day,
    )
    label = f"sizing {args.scenario} (candidates simulated)"
    with progress_bar(label, None, disabled=args.quiet) as advance:
        done = size(job, progress=advance)
    if not args.quiet:
        sizing_files.print_sizing(done.document, console)
    plain(console, f"results: {done.run_dir}")
    plain(console, f"report: {done.run_dir / 'report.html'}")
    return EXIT_OK if done.passes else EXIT_FAILED

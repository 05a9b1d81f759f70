"""``peakload calibrate``: service demands estimated from load-test runs."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.app import defaults
from peakload.cli import options
from peakload.cli.errors import EXIT_OK

NAME = "calibrate"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="estimate service demands from load-test runs (utilization-law regression)",
        description=(
            "Estimate each transaction's mean demand at each tier from load-test run "
            "directories: per-window tier busy time regressed on per-transaction completions "
            "by non-negative least squares, with a bootstrap 95 % interval; from low-load "
            "response times where busy time is unknown. Says per demand whether the runs "
            "could identify it. Writes calibration.json, <scenario>-calibrated.toml and a "
            "plot. --plan designs and runs the load tests itself."
        ),
    )
    options.add_scenario(parser, "the model to calibrate (its demands are the priors)")
    parser.add_argument("runs", nargs="*", metavar="RUN", help="load-test run directories")
    parser.add_argument(
        "--plan",
        action="store_true",
        help="design and run short load tests that make every demand identifiable",
    )
    parser.add_argument(
        "--serve-scenario",
        metavar="FILE",
        help="with --plan: the mock serves this scenario's demands (a truth to recover)",
    )
    parser.add_argument("--host", metavar="URL", help="with --plan: test this URL, not the mock")
    options.add_requests(parser)
    parser.add_argument(
        "--plan-seconds",
        type=options.positive_float,
        default=defaults.CALIBRATE_PLAN_WALL_S,
        metavar="S",
        help="with --plan: measured wall seconds of the designed run "
        f"(default {defaults.CALIBRATE_PLAN_WALL_S:g})",
    )
    parser.add_argument(
        "--busy-time",
        metavar="FILE",
        help="TOML mapping tiers to a real system's busy-time sources (exported CSVs are read "
        "here; with --plan its Prometheus endpoints and processes are sampled during the runs)",
    )
    parser.add_argument(
        "--interval",
        type=options.positive_float,
        default=defaults.CALIBRATE_INTERVAL_S,
        metavar="S",
        help=f"window length in seconds (default {defaults.CALIBRATE_INTERVAL_S:g})",
    )
    parser.add_argument(
        "--bootstrap",
        type=options.positive_int,
        default=defaults.CALIBRATE_REPLICATES,
        metavar="N",
        help=f"bootstrap replicates (default {defaults.CALIBRATE_REPLICATES})",
    )
    options.add_seed(parser, "seed of the bootstrap")
    options.add_output(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.calibrate import CalibrateOptions, calibrate
    from peakload.app.calibration_table import print_calibration

    job = CalibrateOptions(
        scenario_path=args.scenario,
        runs=tuple(args.runs),
        out=args.out,
        interval_s=args.interval,
        replicates=args.bootstrap,
        seed=args.seed,
        plots=not args.no_plots,
        plan=args.plan,
        serve_scenario_path=args.serve_scenario,
        host=args.host,
        requests_path=args.requests or args.tasks,
        plan_wall_s=args.plan_seconds,
        busy_map_path=args.busy_time,
    )

    def say(line: str) -> None:
        if not args.quiet:
            console.print(line, markup=False, highlight=False)

    done = calibrate(job, progress=say)
    if not args.quiet:
        print_calibration(done.report, console)
    console.print(f"calibrated model: {done.calibrated_path}", markup=False, highlight=False)
    console.print(f"results: {done.run_dir}", markup=False, highlight=False)
    return EXIT_OK

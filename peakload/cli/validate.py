"""``peakload validate``: does the model predict what the system measures?"""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.app import defaults
from peakload.cli import options
from peakload.cli.console import plain, warn_if_unfit
from peakload.cli.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_OK

NAME = "validate"


def levels(text: str) -> tuple[float, ...]:
    """``0.25,0.5,1.0``: fractions of the scenario's peak."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a list of numbers like 0.25,0.5,1"
        ) from None
    if not values or any(not 0 < v <= 10 for v in values):
        raise argparse.ArgumentTypeError(f"levels must be in (0, 10] (got {text})")
    return values


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="compare the model's predictions with load tests, level by level",
        description=(
            "For each level (a fraction of the scenario's peak, held as a plateau long enough "
            "for --min-requests), simulate the exact plan of a load test (--replications), run "
            "that load test, and compare throughput, overall and per-transaction mean and p95, "
            "per-tier utilization and mean response, and per-transaction share. Each row: "
            "predicted (replication CI), measured (batch-means CI), error, bound, verdict. "
            "When the scenario has [[failures]], one more experiment follows: its own day and "
            "window with the drill, as a load test at x8 (or more, to fit 5 minutes) and its "
            "simulation, compared on the failing tier's mean wait and response inside and "
            "outside the drill (--no-drills skips it). "
            "Each level first runs a pilot (--min-requests); its batch means size the level's "
            "plateau so that throughput, every tier's utilization and the mean of every "
            "transaction with >= 5 % of requests are decisive (noise <= half the bound), "
            "within --max-minutes; the prediction is replicated until precise. "
            "Writes results/<timestamp>-validation-<scenario>/ (validation.json, "
            "validation.png, each level's plateau scenario, simulation and load test)."
        ),
        epilog=(
            f"Exit codes: {EXIT_OK} PASS: no figure disagrees and every row that matters is "
            f"decisive, {EXIT_FAILED} FAIL: some disagree (named), {EXIT_INCONCLUSIVE} "
            "INCONCLUSIVE: none disagrees but rows that matter could not have failed (named, "
            "with the window that would decide them), 2 could not run."
        ),
    )
    options.add_scenario(parser, "the model: TOML scenario file")
    parser.add_argument(
        "--levels",
        type=levels,
        default=defaults.VALIDATE_LEVELS,
        metavar="F,F,...",
        help="fractions of the peak to hold "
        f"(default {','.join(str(level) for level in defaults.VALIDATE_LEVELS)})",
    )
    options.add_system_under_test(
        parser,
        busy_help="with --host: TOML mapping each tier to the processes, Prometheus metric or "
        "CSV of its busy (CPU) seconds, as on loadtest, so its utilization is measured",
    )
    options.add_replications(parser, 3, "simulation replications per level (default 3)")
    parser.add_argument(
        "--bounds", metavar="FILE", help="TOML overriding the default bounds (see docs/validate.md)"
    )
    parser.add_argument(
        "--min-requests",
        type=options.positive_int,
        default=defaults.VALIDATE_MIN_REQUESTS,
        metavar="N",
        help="requests each level's pilot window is planned to hold "
        f"(default {defaults.VALIDATE_MIN_REQUESTS})",
    )
    parser.add_argument(
        "--max-minutes",
        type=options.positive_float,
        default=defaults.VALIDATE_MAX_MINUTES,
        metavar="M",
        help="wall minutes the validation may take: the levels' plateaus are lengthened "
        "within them until the rows that matter are decisive "
        f"(default {defaults.VALIDATE_MAX_MINUTES:g})",
    )
    parser.add_argument(
        "--warmup",
        type=options.positive_float,
        default=defaults.VALIDATE_WARMUP_S,
        metavar="S",
        help="wall seconds of each plateau before its window "
        f"(default {defaults.VALIDATE_WARMUP_S:g})",
    )
    parser.add_argument(
        "--min-window",
        type=options.positive_float,
        default=defaults.VALIDATE_MIN_WINDOW_S,
        metavar="S",
        help="wall seconds each level's window lasts at least, whatever --min-requests asks, "
        "raised to 18 (three scenario minutes at x10) and rounded up to whole ones of 6 s; "
        "a shorter window has shorter batches of requests and fewer of its tiers' counters, "
        f"so wider measured intervals (default {defaults.VALIDATE_MIN_WINDOW_S:g})",
    )
    parser.add_argument(
        "--predict-seconds",
        type=options.positive_float,
        default=defaults.VALIDATE_PREDICT_SECONDS,
        metavar="S",
        help="wall seconds of replications each level's prediction may take to narrow its "
        "half-widths beyond --replications "
        f"(default {defaults.VALIDATE_PREDICT_SECONDS:g})",
    )
    parser.add_argument(
        "--user-scale",
        type=options.positive_float,
        default=None,
        metavar="F",
        help="users x F, each cycle (think + step) x F (default: at most 1,300 virtual users "
        "at the peak)",
    )
    parser.add_argument(
        "--no-drills",
        action="store_true",
        help="skip the [[failures]] drill experiment (run only the levels)",
    )
    parser.add_argument(
        "--calibration",
        metavar="FILE",
        help="the model's calibration.json: each prediction's interval then includes what "
        "its calibrated demands' 95 %% intervals make of it (default: the calibration.json "
        "beside the model, as calibrate writes it, if any; 'none': take demands as exact)",
    )
    options.add_seed(parser)
    options.add_jobs(parser, "processes for replications")
    options.add_output(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.progress import progress_bar
    from peakload.app.run_dir import new_run_dir
    from peakload.app.validate.calibration_input import find_calibration
    from peakload.app.validate.job import plan_validation, validate
    from peakload.app.validate.run import DrillPlan, ValidateOptions
    from peakload.app.validate.table import print_validation
    from peakload.core.scenario_file import load_scenario
    from peakload.measure.validation import ValidationVerdict

    warn_if_unfit(console, args.scenario)  # an inconclusive calibration's model
    job = ValidateOptions(
        scenario_path=args.scenario,
        serve_scenario_path=args.serve_scenario,
        levels=args.levels,
        host=args.host,
        busy_map_path=args.busy_time,
        requests_path=args.requests or args.tasks,
        replications=args.replications,
        out=args.out,
        bounds_path=args.bounds,
        min_requests=args.min_requests,
        warmup_s=args.warmup,
        user_scale=args.user_scale,
        seed=args.seed,
        jobs=args.jobs,
        plots=not args.no_plots,
        drills=not args.no_drills,
        max_minutes=args.max_minutes,
        min_window_s=args.min_window,
        predict_seconds=args.predict_seconds,
        calibration_path=args.calibration,
    )
    model = load_scenario(args.scenario)
    if calibration := find_calibration(args.scenario, args.calibration, model):
        plain(console, calibration.describe())
    run_dir = new_run_dir(args.out, "validation", model.name)
    planned = plan_validation(job, run_dir)
    drill = " and its failure drill" if isinstance(planned.drill, DrillPlan) else ""
    label = f"validating {args.scenario} at {len(planned.levels)} level(s){drill}"
    total = max(planned.seconds, args.max_minutes * 60)  # pilots, then the sized plateaus
    with progress_bar(label, total, disabled=args.quiet) as advance:
        done = validate(job, progress=advance, planned=planned, run_dir=run_dir)
    print_validation(done, console, all_rows=not args.quiet)
    plain(console, f"results: {done.run_dir}")
    return {
        ValidationVerdict.PASS: EXIT_OK,
        ValidationVerdict.FAIL: EXIT_FAILED,
        ValidationVerdict.INCONCLUSIVE: EXIT_INCONCLUSIVE,
    }[done.verdict]

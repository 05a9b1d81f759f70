"""The ``peakload`` command: one entry point, a subcommand per job.

Exit codes (every subcommand):
  0  it ran (and, for commands that judge, the SLO held)
  1  it ran and the SLO failed (``simulate`` only with --fail-on-slo)
  2  unusable input: a bad scenario file, a bad flag
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from peakload.clock import parse_clock, parse_window
from peakload.scenario_file import ScenarioError, load_scenario

EXIT_OK, EXIT_SLO_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UsageError(Exception):
    """A flag value the command cannot use; reported as one line, exit 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 (got {text})")
    return value


def _window(text: str) -> tuple[str, str]:
    try:
        return parse_window(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peakload",
        description="Capacity planning and load testing from one scenario file.",
        epilog="Exit codes: 0 ran (SLO held), 1 SLO failed (where asked), 2 unusable input.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="validate scenario files", description="Validate scenario files."
    )
    check.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="TOML scenario file(s)")
    check.set_defaults(handler=_cmd_check)

    sim = commands.add_parser(
        "simulate",
        help="simulate a scenario with the SimPy model",
        description=(
            "Simulate a scenario: replications of the SimPy model, a per-minute series, "
            "the window summary with exact percentiles, an analytic cross-check per tier "
            "and the SLO verdict. Writes results/<timestamp>-simulation-<scenario>/."
        ),
    )
    sim.add_argument("--scenario", required=True, metavar="FILE", help="TOML scenario file")
    sim.add_argument(
        "--replications",
        type=_positive_int,
        default=1,
        metavar="N",
        help="independent seeded runs; with N >= 2 metrics get 95%% CI half-widths (default 1)",
    )
    sim.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="base seed (default: the scenario's seed)",
    )
    sim.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="J",
        help="processes for replications (default: all cores)",
    )
    sim.add_argument(
        "--window",
        type=_window,
        default=None,
        metavar="HH:MM-HH:MM",
        help="summary window (default: the scenario's, else the whole run "
        "with MSER-5 warm-up removal for steady workloads)",
    )
    sim.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="parent directory of the run directory (default results/)",
    )
    sim.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    sim.add_argument(
        "--fail-on-slo",
        action="store_true",
        help="exit 1 when the SLO verdict is FAIL (default: exit 0 when it ran)",
    )
    sim.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    sim.set_defaults(handler=_cmd_simulate)

    serve = commands.add_parser(
        "serve",
        help="run the mock Treasury service, emulating a scenario's capacity",
        description=(
            "Run the mock Treasury online service (FastAPI) on this machine. With --scenario "
            "every route passes through the scenario's tiers (c = instances x workers slots, "
            "sampled service times, 503 past queue_limit); without it, it answers at once. "
            "Secrets and settings come from PEAKLOAD_* variables (see README)."
        ),
    )
    serve.add_argument("--scenario", metavar="FILE", help="scenario whose capacity to emulate")
    serve.add_argument("--port", type=_positive_int, default=8000, help="TCP port (default 8000)")
    serve.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1)",
    )
    serve.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default sqlite:///results/mock-server.db, "
        "or PEAKLOAD_DB); postgresql+psycopg://... with the postgres extra",
    )
    serve.add_argument(
        "--no-emulation",
        action="store_true",
        help="read the scenario but answer at once (plain fast mock)",
    )
    serve.set_defaults(handler=_cmd_serve)

    load = commands.add_parser(
        "loadtest",
        help="run the scenario as real HTTP traffic with Locust",
        description=(
            "Run the scenario's users with Locust, headless, following its concurrency "
            "profile on a compressed clock. Without --host it starts the mock service for "
            "the scenario on a free loopback port and stops it after. Writes "
            "results/<timestamp>-loadtest-<scenario>/ (summary.json, timeseries.csv, plots, "
            "Locust's CSVs and HTML report) and prints the same table as simulate."
        ),
        epilog="Exit codes: 0 pass, 1 SLO failed (or a write lost or duplicated, or the "
        "generator saturated), 2 could not run.",
    )
    load.add_argument("--scenario", required=True, metavar="FILE", help="TOML scenario file")
    load.add_argument(
        "--host", metavar="URL", help="a service that speaks the API (default: start the mock)"
    )
    load.add_argument(
        "--compress",
        type=_positive_float,
        default=None,
        metavar="K",
        help="divide the scenario clock by K, think times unchanged "
        "(default: fit the run into 5 minutes)",
    )
    load.add_argument(
        "--user-scale",
        type=_positive_float,
        default=1.0,
        metavar="F",
        help="multiply users and think times by F: the request rate holds (default 1)",
    )
    load.add_argument(
        "--window",
        type=_window,
        default=None,
        metavar="HH:MM-HH:MM",
        help="run up to the window's end, measure inside it (default: the scenario's window)",
    )
    load.add_argument(
        "--lead-in",
        default=None,
        metavar="HH:MM",
        help="scenario clock to start from (default: the scenario's start)",
    )
    load.add_argument(
        "--duration",
        type=_positive_float,
        default=None,
        metavar="S",
        help="stop after S wall seconds at most",
    )
    load.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="N local Locust worker processes under a master (default: one process)",
    )
    load.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="seed for users' choices (default: the scenario's)",
    )
    load.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="parent directory of the run directory (default results/)",
    )
    load.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    load.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    load.set_defaults(handler=_cmd_loadtest)

    cmp = commands.add_parser(
        "compare",
        help="compare two summaries and fail on a regression",
        description=(
            "Compare two summaries of the output contract (simulated or measured, or one of "
            "each): per metric baseline, current, change, tolerance and verdict. A metric "
            "regresses when it moves the bad way past its tolerance and the move is more "
            "than noise (Mann-Whitney on saved latencies, or confidence intervals)."
        ),
        epilog="Exit codes: 0 no regression, 1 a regression, 2 unusable input.",
    )
    cmp.add_argument("baseline", help="baseline summary.json or run directory")
    cmp.add_argument("current", help="current summary.json or run directory")
    cmp.add_argument(
        "--tolerance",
        metavar="FILE",
        help='TOML: [default] rel/abs/latency_rel, [metrics."overall.p95_s"] rel/abs',
    )
    cmp.add_argument("--markdown", metavar="OUT", help="write a Markdown summary here")
    cmp.add_argument("--junit", metavar="OUT", help="write a JUnit XML report here")
    cmp.add_argument("--name", default=None, help="suite name in the reports")
    cmp.set_defaults(handler=_cmd_compare)

    size = commands.add_parser(
        "size",
        help="find the cheapest tier sizes that meet the SLO with 95% confidence",
        description=(
            "Size the system for the scenario's peak: start from analytic bounds, confirm "
            "candidates with seeded replications on common random numbers, and recommend "
            "the cheapest instances per tier whose 95% confidence bounds meet every SLO, "
            "also with one instance of any tier lost for 30 minutes at the peak (N-1). "
            "Writes sizing.json, a scenario file with the recommended tiers and plots."
        ),
    )
    size.add_argument("--scenario", required=True, metavar="FILE", help="TOML scenario file")
    size.add_argument(
        "--scale",
        type=_positive_float,
        default=1.0,
        metavar="F",
        help="multiply the concurrency profile by F (growth; default 1)",
    )
    size.add_argument("--no-n1", action="store_true", help="skip the N-1 failure check")
    size.add_argument(
        "--search-workers",
        action="store_true",
        help="also tune workers per instance (up to twice the scenario's)",
    )
    size.add_argument(
        "--replications",
        type=_positive_int,
        default=5,
        metavar="N",
        help="replications per candidate (default 5)",
    )
    size.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="J",
        help="local processes (default: all cores)",
    )
    size.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://host:8786) to run candidates on",
    )
    size.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the common random numbers (default: the scenario's)",
    )
    size.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="parent directory of the run directory (default results/)",
    )
    size.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    size.add_argument("--quiet", action="store_true", help="no progress, no table")
    size.set_defaults(handler=_cmd_size)
    return parser


def _cmd_check(args: argparse.Namespace, console: Console) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            _errors(exc.lines)
            status = EXIT_UNUSABLE
            continue
        console.print(
            f"{path}: ok ({scenario.workload.kind} workload, {len(scenario.transactions)} "
            f"transactions, {len(scenario.flow_list)} flows, {len(scenario.tiers)} tiers, "
            f"peak {scenario.workload.profile.peak:,.0f})",
            markup=False,
            highlight=False,
        )
    return status


def _cmd_simulate(args: argparse.Namespace, console: Console) -> int:
    from peakload.progress import progress_bar
    from peakload.report import print_report
    from simulation.runner import simulate

    scenario = load_scenario(args.scenario)
    window = None
    if args.window is not None:
        window = (parse_clock(args.window[0]), parse_clock(args.window[1]))
        if window[0] < scenario.start_s or window[1] > scenario.end_s:
            raise UsageError(
                f"--window {'-'.join(args.window)} lies outside the run "
                f"{scenario.scenario.start}-{scenario.scenario.end}"
            )
    total = (scenario.end_s - scenario.start_s) * args.replications
    with progress_bar(f"simulating {scenario.name}", total, disabled=args.quiet) as advance:
        result = simulate(
            scenario,
            replications=args.replications,
            seed=args.seed,
            jobs=args.jobs,
            window=window,
            progress=advance,
        )
    summary = result.summary
    run_dir = _new_run(args.out, "simulation", scenario.name, args.scenario)
    _write_run(run_dir, result, scenario, args.no_plots)
    if not args.quiet:
        print_report(summary, console)
    console.print(f"results: {run_dir}", markup=False, highlight=False)
    if args.fail_on_slo and not summary["slo"]["pass"]:
        return EXIT_SLO_FAILED
    return EXIT_OK


def _new_run(out: str, kind: str, name: str, scenario_path: str):
    from peakload.results import copy_scenario, new_run_dir

    run_dir = new_run_dir(out, kind, name)
    copy_scenario(run_dir, scenario_path)
    return run_dir


def _write_run(
    run_dir, result, scenario, no_plots: bool, population_label: str = "simulated"
) -> None:
    """summary.json, timeseries.csv, latencies.npy and the plots, for every kind of run."""
    import numpy as np

    from peakload.results import write_summary, write_timeseries

    summary, series = result.summary, result.timeseries
    write_summary(run_dir, summary)
    write_timeseries(run_dir, series)
    np.save(run_dir / "latencies.npy", result.latencies)
    if not no_plots:
        from peakload.plots import plot_run

        plot_run(
            run_dir,
            series,
            [t.name for t in scenario.tiers],
            title=scenario.name,
            window_s=summary["window_s"],
            slo_p95_s=scenario.slo.p95_s,
            max_utilization=scenario.slo.max_utilization,
            population_label=population_label,
        )


def _cmd_serve(args: argparse.Namespace, console: Console) -> int:
    import logging

    from mock_server.serve import serve
    from mock_server.settings import get_settings

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scenario = load_scenario(args.scenario) if args.scenario else None
    settings = get_settings()
    if args.db:
        settings = settings.model_copy(update={"db": args.db})
    serve(settings, None if args.no_emulation else scenario, args.bind, args.port)
    return EXIT_OK


def _cmd_loadtest(args: argparse.Namespace, console: Console) -> int:
    from loadtests.plan import Plan
    from loadtests.runner import LoadTestError, run_loadtest
    from peakload.progress import progress_bar
    from peakload.report import print_report

    scenario = load_scenario(args.scenario)  # a bad file fails here, with its own message
    compress = args.compress
    if compress is None:
        start = parse_clock(args.lead_in) if args.lead_in else scenario.start_s
        end = parse_clock(args.window[1]) if args.window else scenario.end_s
        compress = max(1.0, (end - start) / 300.0)
    try:
        plan = Plan(
            args.scenario,
            compress=compress,
            user_scale=args.user_scale,
            window=args.window,
            lead_in=args.lead_in,
            duration_s=args.duration,
            seed=args.seed,
            workers=args.workers,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    run_dir = _new_run(args.out, "loadtest", scenario.name, args.scenario)
    label = f"load test {scenario.name} (x{compress:g} clock)"
    try:
        with progress_bar(label, plan.wall_duration_s, disabled=args.quiet) as advance:
            result = run_loadtest(plan, run_dir, host=args.host, progress=advance)
    except LoadTestError as exc:
        _errors([f"peakload loadtest: could not run: {exc}"])
        return EXIT_UNUSABLE
    _write_run(
        run_dir,
        result,
        scenario,
        args.no_plots,
        population_label="virtual users (scenario-equivalent)",
    )
    if not args.quiet:
        print_report(result.summary, console)
    console.print(f"results: {run_dir}", markup=False, highlight=False)
    return EXIT_OK if result.summary["slo"]["pass"] else EXIT_SLO_FAILED


def _cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from peakload import compare_report
    from peakload.compare import CompareError, compare, load_run, load_tolerances

    try:
        baseline, baseline_latencies = load_run(args.baseline)
        current, current_latencies = load_run(args.current)
        tolerances = load_tolerances(args.tolerance)
    except CompareError as exc:
        raise UsageError(str(exc)) from None
    rows = compare(baseline, current, tolerances, baseline_latencies, current_latencies)
    name = args.name or f"{current['scenario']} ({current['kind']} vs {baseline['kind']})"
    text = compare_report.markdown(rows, name)
    compare_report.write(args.markdown, text)
    compare_report.write(args.junit, compare_report.junit({name: rows}))
    failed = [r for r in rows if r.failed]
    for row in failed:
        console.print(
            f"REGRESSION {row.metric}: {row.baseline:.4g} -> {row.current:.4g} "
            f"({row.change:+.1%}); {row.detail}; decided by {row.test}",
            markup=False,
            highlight=False,
        )
    verdict = f"{len(failed)} regression(s)" if failed else "no regression"
    console.print(f"{name}: {len(rows)} metrics compared, {verdict}", markup=False, highlight=False)
    return EXIT_SLO_FAILED if failed else EXIT_OK


def _cmd_size(args: argparse.Namespace, console: Console) -> int:
    from peakload import sizing_report
    from peakload.progress import progress_bar
    from simulation.executors import DaskExecutor, LocalExecutor
    from simulation.sizing import Sizer

    scenario = load_scenario(args.scenario)
    try:
        executor = DaskExecutor(args.cluster) if args.cluster else LocalExecutor(args.jobs)
    except (RuntimeError, OSError) as exc:
        raise UsageError(f"--cluster {args.cluster}: {exc}") from None
    try:
        with progress_bar(
            f"sizing {scenario.name} (candidates simulated)", None, disabled=args.quiet
        ) as advance:
            sizer = Sizer(
                scenario,
                executor,
                replications=args.replications,
                scale=args.scale,
                n1=not args.no_n1,
                search_workers=args.search_workers,
                seed=args.seed,
                progress=advance,
            )
            result = sizer.search()
    finally:
        executor.close()
    recommended = result.recommended_scenario()
    search = {
        "replications": args.replications,
        "scale": args.scale,
        "n1": not args.no_n1,
        "search_workers": args.search_workers,
        "executor": f"dask {args.cluster}"
        if args.cluster
        else f"{executor.workers} local process(es)",
    }
    document = sizing_report.sizing_document(scenario, recommended, result, search)
    run_dir = _new_run(args.out, "sizing", scenario.name, args.scenario)
    sizing_report.write_document(run_dir, document)
    sizing_report.write_scenario(
        run_dir / f"{scenario.name}-sized.toml",
        recommended,
        f"{scenario.name} with the tiers `peakload size` recommends "
        f"(scale {args.scale:g}, N-1 {'checked' if not args.no_n1 else 'not checked'}).",
    )
    if not args.no_plots:
        sizing_report.plot_sizing(run_dir, document)
    if not args.quiet:
        sizing_report.print_sizing(document, console)
    console.print(f"results: {run_dir}", markup=False, highlight=False)
    return EXIT_OK if result.estimate.passes else EXIT_SLO_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        return args.handler(args, console)
    except ScenarioError as exc:
        _errors(exc.lines)
        return EXIT_UNUSABLE
    except UsageError as exc:
        _errors([f"peakload {args.command}: {exc}"])
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _errors(["interrupted"])
        return 130


def _errors(lines: list[str]) -> None:
    """Error lines go to stderr whole: never wrapped, never styled, one per problem."""
    for line in lines:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

"""``peakload scenario from-log``: a scenario file from access logs."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.cli import options
from peakload.cli.console import plain
from peakload.cli.errors import EXIT_OK
from peakload.measure.access_log.formats import (
    DEFAULT_MAX_SKEW_S,
    MAX_TRANSACTIONS,
    SESSION_GAP_S,
    LogFormat,
)

NAME = "scenario"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME, help="make scenario files (from-log)", description="Make scenario files."
    )
    sub = parser.add_subparsers(dest="scenario_command", required=True, metavar="SUBCOMMAND")
    log = sub.add_parser(
        "from-log",
        help="derive a scenario from access logs",
        description=(
            "Derive a closed-workload scenario from web-server access logs: users with an open "
            "session per minute (at most 30 breakpoints), think times (lognormal, gamma or "
            "empirical, by KS distance), flows (first-order transitions), the mix and response "
            "times per transaction. Writes the TOML, a .json of the figures and a plot, and "
            "(for a log not of the mock) a request map, <out>.requests.toml, its guesses "
            "marked PLACEHOLDER."
        ),
        epilog="Exit codes: 0 written, 2 unusable logs (empty, a format it cannot tell, >1 % "
        "bad lines, a line further out of order than --max-skew, a --day the logs do not have, "
        "no session, no user left after dropping probes and crawlers, or fewer than 10 think "
        "times).",
    )
    log.add_argument(
        "logs",
        nargs="+",
        metavar="LOG",
        help="access log file(s), plain or .gz; several servers' files are merged by time",
    )
    log.add_argument(
        "--format",
        choices=[f.value for f in LogFormat],
        default="auto",
        help="auto (default: told from each file's first lines); common, combined (no "
        "durations); common-usec, combined-usec (Apache + %%D); common-sec, combined-sec "
        "(Apache + %%T); nginx (combined + $request_time [$msec]); w3c (IIS); jsonl",
    )
    log.add_argument(
        "--fields",
        metavar="MAP",
        help="JSON lines' keys, e.g. time=ts,path=url,status=code,request_time=took:ms "
        "(names: time[:start|:end], client, user, agent, method, path, request, status, "
        "request_time[:s|:ms|:us]; default the mock's: time, remote_addr, remote_user, ...)",
    )
    log.add_argument(
        "--tz",
        metavar="ZONE",
        help="the scenario's clock: an IANA name (Asia/Ho_Chi_Minh) or +HH:MM (default: the "
        "log's own offset for Apache/nginx, UTC for W3C and JSON epoch times)",
    )
    log.add_argument(
        "--day",
        metavar="YYYY-MM-DD",
        help="the day to derive, on that clock (default: the busiest day in the logs)",
    )
    log.add_argument(
        "--max-skew",
        type=options.positive_float,
        default=DEFAULT_MAX_SKEW_S,
        metavar="S",
        help="seconds lines may be out of time order; sorted within this window "
        f"(default {DEFAULT_MAX_SKEW_S:g})",
    )
    log.add_argument(
        "--routes",
        metavar="MAP.toml",
        help="[[routes]] method, path regex, transaction (default: the mock's API table when "
        "the log's paths are the mock's, else path templates named by what they do)",
    )
    log.add_argument(
        "--session-gap",
        type=options.positive_float,
        default=SESSION_GAP_S,
        metavar="S",
        help=f"seconds of silence that end a session (default {SESSION_GAP_S:g})",
    )
    log.add_argument(
        "--keep-assets",
        action="store_true",
        help="count static assets (images, css, js, fonts...) as requests of their own "
        "(default: folded into the page view that fetched them)",
    )
    log.add_argument(
        "--keep-bots",
        action="store_true",
        help="keep health probes, crawlers and clients polling one path at a fixed period "
        "(default: dropped and counted)",
    )
    log.add_argument(
        "--max-transactions",
        type=options.positive_int,
        default=MAX_TRANSACTIONS,
        metavar="N",
        help=f"without --routes, on a log not of the mock: the N busiest path templates are "
        f"transactions, the rest 'other' (default {MAX_TRANSACTIONS})",
    )
    log.add_argument("--base", metavar="SCENARIO", help="copy tiers, demands and SLO from here")
    log.add_argument("--name", default="from-log", help="the scenario's name (default from-log)")
    log.add_argument(
        "--out", metavar="FILE.toml", help="where to write (default results/NAME.toml)"
    )
    log.add_argument("--no-plots", action="store_true", help="skip the PNG plot")
    log.add_argument("--quiet", action="store_true", help="no progress, no summary")


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.from_log.job import FromLogOptions, from_log
    from peakload.app.progress import progress_bar

    job = FromLogOptions(
        logs=tuple(args.logs),
        fmt=LogFormat(args.format),
        routes=args.routes,
        session_gap_s=args.session_gap,
        base=args.base,
        name=args.name,
        out=args.out,
        plots=not args.no_plots,
        tz=args.tz,
        day=args.day,
        max_skew_s=args.max_skew,
        fields=args.fields,
        keep_assets=args.keep_assets,
        keep_bots=args.keep_bots,
        max_transactions=args.max_transactions,
    )
    with progress_bar("reading logs (lines, both passes)", None, disabled=args.quiet) as advance:
        done = from_log(job, progress=advance)
    workload = done.workload
    if not args.quiet:
        from peakload.app.from_log.header import reading

        for line in reading(workload):
            plain(console, line)
        think = workload.think_time
        plain(
            console,
            f"{workload.lines.total:,} lines, {workload.requests:,} requests, "
            f"{workload.sessions:,} sessions; peak {workload.open_sessions.max():,} users; "
            f"think time {think.chosen} mean {think.mean_s:.3f} s; {len(workload.flows)} flows",
        )
        plain(console, f"  {workload.not_users.describe()}")
        if workload.merged:
            plain(
                console,
                f"  {len(workload.merged):,} path templates merged into 'other' (see the .json)",
            )
        for flow in workload.flows:
            plain(console, f"  flow {flow.name}: {' > '.join(flow.steps)} x{flow.count:,}")
        if workload.unknown:
            top = ", ".join(f"{p} ({n:,})" for p, n in list(workload.unknown.items())[:5])
            plain(console, f"  unknown routes: {top}")
    plain(console, f"scenario: {done.scenario_path}")
    if done.requests_path is not None:
        plain(
            console,
            f"request map: {done.requests_path} (fill its '# PLACEHOLDER' lines before a load "
            "test)",
        )
    return EXIT_OK

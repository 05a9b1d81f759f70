"""``peakload compare``: two summaries, metric by metric; exit 1 on a regression."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.cli.console import plain
from peakload.cli.errors import EXIT_FAILED, EXIT_OK

NAME = "compare"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="compare two summaries and fail on a regression",
        description=(
            "Compare two summaries of the output contract (simulated or measured, or one of "
            "each): per metric baseline, current, change, tolerance and verdict. A metric "
            "regresses when it moves the bad way past its tolerance and the move is more "
            "than noise (Mann-Whitney on saved latencies, or confidence intervals)."
        ),
        epilog="Exit codes: 0 no regression, 1 a regression, 2 unusable input.",
    )
    parser.add_argument("baseline", help="baseline summary.json or run directory")
    parser.add_argument("current", help="current summary.json or run directory")
    parser.add_argument(
        "--tolerance",
        metavar="FILE",
        help='TOML: [default] rel/abs/latency_rel, [metrics."overall.p95_s"] rel/abs',
    )
    parser.add_argument("--markdown", metavar="OUT", help="write a Markdown summary here")
    parser.add_argument("--junit", metavar="OUT", help="write a JUnit XML report here")
    parser.add_argument("--html", metavar="OUT", help="write a self-contained HTML page here")
    parser.add_argument("--name", default=None, help="suite name in the reports")


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.compare.job import CompareOptions, compare

    done = compare(
        CompareOptions(
            baseline=args.baseline,
            current=args.current,
            tolerance=args.tolerance,
            markdown=args.markdown,
            junit=args.junit,
            name=args.name,
            html=args.html,
        )
    )
    for row in done.failed:
        plain(
            console,
            f"REGRESSION {row.metric}: {row.baseline:.4g} -> {row.current:.4g} "
            f"({row.change:+.1%}); {row.detail}; decided by {row.test}",
        )
    if done.verdict is not None:
        state = "PASS" if done.verdict.passed else "FAIL"
        plain(console, f"current run under the baseline's SLO: {state}")
        for line in done.verdict.lines():
            plain(console, f"  {line}")
    verdict = f"{len(done.failed)} regression(s)" if done.failed else "no regression"
    plain(console, f"{done.name}: {len(done.rows)} metrics compared, {verdict}")
    return EXIT_FAILED if done.failed else EXIT_OK

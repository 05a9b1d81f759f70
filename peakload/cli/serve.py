"""``peakload serve``: the mock Treasury online service, emulating a scenario or doing
real work."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.cli import options
from peakload.cli.errors import EXIT_OK

NAME = "serve"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="run the mock Treasury service, emulating a scenario's capacity",
        description=(
            "Run the mock Treasury online service (FastAPI) on this machine. With --scenario "
            "every route passes through the scenario's tiers (c = instances x workers slots, "
            "sampled service times, 503 past queue_limit); without it, it answers at once. "
            "With --work real it does its own work instead, as a stack of processes "
            "(PostgreSQL, --processes uvicorn workers, nginx with --proxy nginx), each PID "
            "printed at start and stop. "
            "Secrets and settings come from PEAKLOAD_* variables (see docs/mock-service.md)."
        ),
    )
    parser.add_argument("--scenario", metavar="FILE", help="scenario whose capacity to emulate")
    parser.add_argument(
        "--port", type=options.positive_int, default=8000, help="TCP port (default 8000)"
    )
    parser.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default sqlite:///results/mock-server.db, "
        "or PEAKLOAD_DB); postgresql+psycopg://... with the postgres extra",
    )
    parser.add_argument(
        "--access-log",
        metavar="PATH",
        help="write one line per request here: nginx combined format plus the request "
        "time, the unit code as remote user (off by default; or PEAKLOAD_ACCESS_LOG)",
    )
    parser.add_argument(
        "--access-log-format",
        choices=["combined", "jsonl"],
        default=None,
        help="combined (default) or jsonl: one JSON object per line",
    )
    parser.add_argument(
        "--no-emulation",
        action="store_true",
        help="read the scenario but answer at once (plain fast mock)",
    )
    parser.add_argument(
        "--work",
        choices=["emulate", "real"],  # peakload.app.serve.job.Work
        default="emulate",
        help="emulate (default): each tier holds slots for sampled service times; real: "
        "no sleeps and no slots, the service does its own work (PostgreSQL transactions "
        "over seeded rows, RSA signatures and a 3-certificate chain verified per signed "
        "step, statements grouped by the database) as a stack of processes reported by PID",
    )
    parser.add_argument(
        "--processes",
        type=options.positive_int,
        default=1,
        metavar="N",
        help="with --work real: uvicorn worker processes sharing the port (default 1)",
    )
    parser.add_argument(
        "--proxy",
        choices=["none", "nginx"],  # mock_server.real.stack.ProxyKind
        default="none",
        help="with --work real: nginx puts Debian's nginx on --port in front of the "
        "workers (its config generated into the run directory); default none",
    )
    parser.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="with --work real: the stack's run directory goes under DIR (PostgreSQL "
        "data when no --db, the certificate chain, nginx's config); default results",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.serve.job import ProxyKind, ServeOptions, Work, serve

    serve(
        ServeOptions(
            scenario_path=args.scenario,
            bind=args.bind,
            port=args.port,
            db=args.db,
            access_log=args.access_log,
            access_log_format=args.access_log_format,
            emulate=not args.no_emulation,
            work=Work(args.work),
            processes=args.processes,
            proxy=ProxyKind(args.proxy),
            out=args.out,
        )
    )
    return EXIT_OK

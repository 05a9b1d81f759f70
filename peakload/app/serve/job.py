"""The ``serve`` job: the mock Treasury service, until stopped.

``work = emulate`` (the default) runs the emulating mock in this process: each
scenario tier is slots held for sampled service times. ``work = real`` runs the
service that does its own work (:mod:`mock_server.real`) as a server stack of
processes reported by PID: PostgreSQL (its own unless ``db`` is given),
``processes`` uvicorn workers, and nginx in front with ``proxy = nginx``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from mock_server.db import DatabaseUnreachable, check_reachable
from mock_server.real.nginx import ProxyUnavailable
from mock_server.real.postgres import PostgresUnavailable
from mock_server.real.seed import NotPostgres
from mock_server.real.stack import ProxyKind, StackError, StackOptions, serve_real
from mock_server.serve import keep_alive_for
from mock_server.serve import serve as run_server
from mock_server.settings import SettingsError, load_settings
from peakload.app.errors import CouldNotRun, JobError
from peakload.app.run_dir import new_run_dir
from peakload.core.scenario_file import load_scenario

__all__ = ["ProxyKind", "ServeOptions", "Work", "serve"]


class Work(StrEnum):
    """What the server does for a request: emulate the scenario's tiers, or the real work."""

    EMULATE = "emulate"
    REAL = "real"


@dataclass(frozen=True)
class ServeOptions:
    """The flags of ``peakload serve``. ``scenario_path`` ``None`` (or
    ``emulate`` False) answers at once instead of emulating the scenario's tiers.
    ``processes``, ``proxy`` and ``out`` apply to ``work = real`` only."""

    scenario_path: str | Path | None = None
    bind: str = "127.0.0.1"
    port: int = 8000
    db: str | None = None
    access_log: str | Path | None = None
    access_log_format: str | None = None
    emulate: bool = True
    work: Work = Work.EMULATE
    processes: int = 1
    proxy: ProxyKind = ProxyKind.NONE
    out: str | Path = "results"


def serve(options: ServeOptions) -> None:
    """Run the service on ``options.bind:port``; returns when the server stops."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scenario = load_scenario(options.scenario_path) if options.scenario_path else None
    if options.work is Work.EMULATE and (options.processes != 1 or options.proxy != "none"):
        raise JobError("--processes and --proxy need --work real (the mock is one process)")
    try:
        settings = load_settings(
            db=options.db,
            access_log=str(options.access_log) if options.access_log else None,
            access_log_format=options.access_log_format,
        )
        if options.work is Work.EMULATE or options.db is not None:
            check_reachable(settings.db, settings.sqlite_synchronous)
    except SettingsError as exc:
        raise JobError(exc.lines[0] if len(exc.lines) == 1 else str(exc)) from None
    except DatabaseUnreachable as exc:
        raise JobError(f"--db {exc}") from None
    if options.work is Work.EMULATE:
        run_server(settings, scenario if options.emulate else None, options.bind, options.port)
        return
    stack = StackOptions(
        run_dir=new_run_dir(options.out, "serve-real", scenario.name if scenario else "service"),
        bind=options.bind,
        port=options.port,
        processes=options.processes,
        proxy=options.proxy,
        keep_alive_s=keep_alive_for(scenario),
        service=scenario.service if scenario else None,
    )
    try:
        dead = serve_real(stack, settings, report=lambda line: print(line, flush=True))
    except NotPostgres as exc:
        raise JobError(f"--db {exc}") from None
    except (PostgresUnavailable, ProxyUnavailable, StackError) as exc:
        raise CouldNotRun(str(exc)) from None
    if dead is not None:
        raise CouldNotRun(f"{dead} exited; the stack was stopped")

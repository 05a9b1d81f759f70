"""The ``serve`` job: the mock Treasury service in this process, until stopped."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mock_server.db import DatabaseUnreachable, check_reachable
from mock_server.serve import serve as run_server
from mock_server.settings import SettingsError, load_settings
from peakload.app.errors import JobError
from peakload.core.scenario_file import load_scenario


@dataclass(frozen=True)
class ServeOptions:
    """The flags of ``peakload serve``. ``scenario_path`` ``None`` (or
    ``emulate`` False) answers at once instead of emulating the scenario's tiers."""

    scenario_path: str | Path | None = None
    bind: str = "127.0.0.1"
    port: int = 8000
    db: str | None = None
    access_log: str | Path | None = None
    access_log_format: str | None = None
    emulate: bool = True


def serve(options: ServeOptions) -> None:
    """Run the mock on ``options.bind:port``; returns when the server stops."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scenario = load_scenario(options.scenario_path) if options.scenario_path else None
    try:
        settings = load_settings(
            db=options.db,
            access_log=str(options.access_log) if options.access_log else None,
            access_log_format=options.access_log_format,
        )
        check_reachable(settings.db, settings.sqlite_synchronous)
    except SettingsError as exc:
        raise JobError(exc.lines[0] if len(exc.lines) == 1 else str(exc)) from None
    except DatabaseUnreachable as exc:
        raise JobError(f"--db {exc}") from None
    run_server(settings, scenario if options.emulate else None, options.bind, options.port)

"""The ``serve`` job: the mock Treasury service in this process, until stopped."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mock_server.serve import serve as run_server
from mock_server.settings import get_settings
from peakload.core.scenario_file import load_scenario


@dataclass(frozen=True)
class ServeOptions:
    """The flags of ``peakload serve``. ``scenario_path`` ``None`` (or
    ``emulate`` False) answers at once instead of emulating the scenario's tiers."""

    scenario_path: str | Path | None = None
    bind: str = "127.0.0.1"
    port: int = 8000
    db: str | None = None
    emulate: bool = True


def serve(options: ServeOptions) -> None:
    """Run the mock on ``options.bind:port``; returns when the server stops."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scenario = load_scenario(options.scenario_path) if options.scenario_path else None
    settings = get_settings()
    if options.db:
        settings = settings.model_copy(update={"db": options.db})
    run_server(settings, scenario if options.emulate else None, options.bind, options.port)

"""The ``scenario from-log`` job: a scenario file from access logs.

It derives the workload (:mod:`peakload.measure.access_log`), writes it as a
scenario TOML that ``peakload check`` accepts, with header comments saying
what was derived, from which logs and how well, a plot of derived against
observed concurrency, and a JSON file with every figure behind the file.

The tiers and service demands are not in a log. With ``base`` they are
copied from that scenario; without it the file gets a clearly marked
placeholder: one ``app`` tier with so many workers that nothing queues, and
each transaction's observed mean response time as its demand there. That
placeholder reproduces the observed response times at the observed load and
is a prior for ``peakload calibrate``, not a model of the hardware.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from peakload.app.errors import JobError
from peakload.app.from_log.details import details_data
from peakload.app.from_log.header import header
from peakload.app.from_log.plot import write_concurrency_plot
from peakload.app.from_log.scenario_data import scenario_data
from peakload.app.run_dir import jsonable
from peakload.core.request_map import RequestMapError, load_request_map
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario, scenario_from_dict
from peakload.measure.access_log.derive import LogError, derive
from peakload.measure.access_log.derived import DerivedWorkload, RouteNaming
from peakload.measure.access_log.derived_map import derive_request_map, render
from peakload.measure.access_log.formats import (
    DEFAULT_MAX_SKEW_S,
    MAX_TRANSACTIONS,
    SESSION_GAP_S,
    LogFormat,
)
from peakload.measure.access_log.jsonl import FieldsError, JsonFields
from peakload.measure.access_log.routes import RouteMapError, load_routes


@dataclass(frozen=True)
class FromLogOptions:
    """The flags of ``peakload scenario from-log``."""

    logs: tuple[str | Path, ...]
    fmt: LogFormat = LogFormat.AUTO
    routes: str | Path | None = None
    session_gap_s: float = SESSION_GAP_S
    base: str | Path | None = None
    name: str = "from-log"
    out: str | Path | None = None
    plots: bool = True
    tz: str | None = None  # IANA name or +HH:MM; default: the log's own offset, else UTC
    day: str | None = None  # YYYY-MM-DD; default: the busiest day
    max_skew_s: float = DEFAULT_MAX_SKEW_S
    fields: str | None = None  # JSON lines' keys: "time=ts,path=url,..."
    keep_assets: bool = False
    keep_bots: bool = False
    max_transactions: int = MAX_TRANSACTIONS


@dataclass
class FromLogRun:
    """The derived workload and the files written."""

    workload: DerivedWorkload
    scenario: Scenario
    scenario_path: Path
    details_path: Path
    plot_path: Path | None
    requests_path: Path | None = None
    """The request map written beside the scenario (None for a log of our mock)."""


def from_log(options: FromLogOptions, progress: Callable[[int], None] | None = None) -> FromLogRun:
    """Derive, check and write the scenario; ``progress`` gets lines read so far."""
    try:
        routes = load_routes(options.routes) if options.routes else None
        workload = derive(
            options.logs,
            options.fmt,
            routes,
            options.session_gap_s,
            progress=progress,
            tz=options.tz,
            day=options.day,
            max_skew_s=options.max_skew_s,
            fields=JsonFields.parse(options.fields),
            keep_assets=options.keep_assets,
            keep_bots=options.keep_bots,
            max_transactions=options.max_transactions,
        )
    except (LogError, RouteMapError, FieldsError) as exc:
        raise JobError(str(exc)) from None
    base = load_scenario(options.base) if options.base else None
    data = scenario_data(workload, base, options.name)
    out = Path(options.out) if options.out else Path("results") / f"{options.name}.toml"
    requests = requests_path(out) if workload.naming is not RouteNaming.MOCK else None
    if requests is not None:
        data["scenario"]["requests"] = requests.name  # relative to the scenario file
    scenario = scenario_from_dict(data, source="derived scenario")  # what check would say
    out.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(
        f"# {line}\n".replace("# \n", "#\n") for line in header(workload, options.base).splitlines()
    )
    if requests is not None:
        comment += (
            f"# Requests: {requests.name}, a request map from the log's path templates, its\n"
            "# guesses marked PLACEHOLDER (bodies, the new ids' JSON paths, the sign-in).\n"
        )
    if requests is not None:  # first: a map refused leaves no scenario naming it
        _write_request_map(requests, workload, out.name)
    out.write_text(comment + "\n" + tomli_w.dumps(data))
    details = out.with_suffix(".json")
    details.write_text(json.dumps(jsonable(details_data(workload)), indent=2) + "\n")
    plot = (
        write_concurrency_plot(out.with_name(out.stem + "-concurrency.png"), workload)
        if options.plots
        else None
    )
    return FromLogRun(workload, scenario, out, details, plot, requests)


def requests_path(out: Path) -> Path:
    """The request map beside the scenario ``out``: ``a.toml`` -> ``a.requests.toml``."""
    return out.with_name(out.stem + ".requests.toml")


def _write_request_map(path: Path, workload: DerivedWorkload, scenario_file: str) -> None:
    """Write the derived request map and read it back as a load test would."""
    derived = derive_request_map(workload.templates, workload.flows, workload.merged)
    path.write_text(render(derived, scenario_file))
    try:
        load_request_map(path)
    except RequestMapError as exc:  # a template the log gave that a map cannot hold
        path.unlink(missing_ok=True)
        raise JobError("; ".join(exc.lines)) from None

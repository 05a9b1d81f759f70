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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from peakload.app.errors import JobError
from peakload.app.run_dir import jsonable
from peakload.core.clock import format_clock
from peakload.core.request_map import RequestMapError, load_request_map
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario, scenario_from_dict
from peakload.measure.access_log.derive import DerivedWorkload, LogError, RouteNaming, derive
from peakload.measure.access_log.derived_map import derive_request_map, render
from peakload.measure.access_log.flows import SIGN_IN
from peakload.measure.access_log.formats import (
    DEFAULT_MAX_SKEW_S,
    MAX_TRANSACTIONS,
    SESSION_GAP_S,
    LogFormat,
)
from peakload.measure.access_log.jsonl import FieldsError, JsonFields
from peakload.measure.access_log.routes import RouteMapError, load_routes
from peakload.measure.access_log.source import list_days
from peakload.measure.access_log.templates import OTHER

PLACEHOLDER_WORKERS = 100_000
_NO_TIMES = {"mean_s": None, "p50_s": None, "p95_s": None, "p99_s": None}
"""A log without durations has no response times: null, not zero."""


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


def _clock(seconds: float) -> str:
    return format_clock(seconds, with_seconds=seconds % 60 != 0)


def _demands(workload: DerivedWorkload, base: Scenario | None, names: list[str]) -> list[dict]:
    transactions = []
    for name in names:
        if base is not None and any(t.name == name for t in base.transactions):
            demand = base.transaction(name).model_dump(by_alias=True, exclude_none=True)["demand"]
        else:
            tier = base.tiers[0].name if base is not None else "app"
            mean = max(workload.transactions[name].mean_s, 1e-6)
            demand = {tier: {"dist": "exponential", "mean": float(f"{mean:.4g}")}}
        transactions.append({"name": name, "demand": demand})
    return transactions


def scenario_data(workload: DerivedWorkload, base: Scenario | None, name: str) -> dict[str, Any]:
    """The scenario as TOML data: derived workload, base (or placeholder) system."""
    profile = workload.profile
    steps = [s for flow in workload.flows for s in flow.steps]
    names = list(dict.fromkeys(([SIGN_IN] if SIGN_IN in workload.transactions else []) + steps))
    base_workload = base.workload if base is not None else None
    data: dict[str, Any] = {
        "scenario": {
            "name": name,
            "description": f"Derived from {len(workload.sources)} access log(s): "
            f"{workload.requests:,} requests, {workload.sessions:,} sessions.",
            "seed": base.scenario.seed if base is not None else 1,
            "start": _clock(workload.start_s),
            "end": _clock(workload.end_s),
            "window": [
                _clock(workload.window_s[0]),
                _clock(min(workload.window_s[1], workload.end_s)),
            ],
        },
        "workload": {
            "kind": "closed",
            "concurrency": [
                [_clock(t), round(float(v))]
                for t, v in zip(profile.times, profile.values, strict=True)
            ],
            "think_time": workload.think_time.dist,
            "timeout_s": getattr(base_workload, "timeout_s", 30.0),
            "retries": getattr(base_workload, "retries", 1),
        },
        "flows": [
            {"name": f.name, "weight": f.count, "steps": list(f.steps)} for f in workload.flows
        ],
        "transactions": _demands(workload, base, names),
    }
    if base is not None:
        data["tiers"] = [t.model_dump(by_alias=True, exclude_none=True) for t in base.tiers]
        data["slo"] = base.slo.model_dump(by_alias=True, exclude_none=True)
    else:
        data["tiers"] = [{"name": "app", "instances": 1, "workers": PLACEHOLDER_WORKERS}]
    return data


def reading(workload: DerivedWorkload) -> list[str]:
    """What the logs were read as: format, clock, day, the days skipped, and the figures
    this format cannot give (for the header and the console)."""
    source = workload.source
    if source is None:
        return []
    lines = [
        f"Format: {source.describe_formats()}.",
        f"Clock: {source.clock.describe()}.",
        f"Day: {source.day.isoformat()}, "
        + ("given by --day" if source.day_given else "the busiest")
        + (
            f"; other days skipped: {list_days(source.skipped_days)} (--day picks one)."
            if source.skipped_days
            else "; the log has no other day."
        ),
    ]
    if not source.durations:
        lines.append(
            "MISSING: the log has no request durations: think time is the gap between request "
            "time stamps (the server's time included), and there are no response-time figures; "
            "the transactions' demands are placeholders of 1 microsecond, not measurements."
        )
    return lines


def header(workload: DerivedWorkload, base: str | Path | None) -> str:
    """The file's comment block: what was derived, from which logs, and how well."""
    think = workload.think_time
    lines = workload.lines
    share = sum(f.count for f in workload.flows)
    flows = "; ".join(
        f"{f.name} {f.count / share:.1%} ({' > '.join(f.steps)})" for f in workload.flows
    )
    text = [
        "Derived by `peakload scenario from-log` from:",
        *[f"  {source}" for source in workload.sources],
        *reading(workload),
        f"Lines: {lines.total:,} read, {lines.bad:,} unparseable"
        + (f" (first: {lines.first_bad[:120]!r})" if lines.first_bad else "")
        + (f", {lines.directives:,} W3C directives" if lines.directives else "")
        + (
            f', {lines.no_request:,} without an HTTP request (a 408\'s "-", another protocol)'
            if lines.no_request
            else ""
        )
        + (
            f", {workload.source.other_days:,} requests on other days"
            if workload.source is not None and workload.source.other_days
            else ""
        )
        + f"; {sum(workload.unknown.values()):,} requests on unknown routes.",
        f"Requests {workload.requests:,}, users {workload.users:,}, sessions {workload.sessions:,} "
        f"(a session ends after {workload.session_gap_s:g} s without a request).",
        f"concurrency: users with an open session per minute, peak "
        f"{workload.open_sessions.max():,}; simplified to {len(workload.profile.times)} points, "
        f"largest error {workload.profile.max_error:.1f} users, "
        f"rms {workload.profile.rms_error:.2f}.",
        f"think_time: {think.count:,} gaps within sessions, mean {think.mean_s:.3f} s, cv "
        f"{think.cv:.2f}; KS distance "
        + ", ".join(f"{k} {v:.4f}" for k, v in think.ks.items())
        + f"; kept {think.chosen} (a family is kept when its distance is at most 0.05).",
        "flows (first-order transitions; a link is followed >= 90 % of the time, seen >= 20 "
        f"times; sessions that begin mid-flow finish that flow): {flows}.",
        f"Not users: {workload.not_users.describe()}.",
        _naming_line(workload),
        "Transaction mix, response times and each transaction's method and path templates: "
        "see the .json beside this file.",
    ]
    if base is None:
        text += [
            "",
            "PLACEHOLDER SYSTEM: a log does not say what hardware served it. [[tiers]] is one",
            "'app' tier that never queues, and each transaction's demand there is its observed",
            "mean response time: a prior for `peakload calibrate`, not a model of the servers.",
            "Give --base SCENARIO to copy real tiers, demands and the SLO.",
        ]
    else:
        text += ["", f"Tiers, demands and the SLO copied from {base}."]
    return "\n".join(text)


def _naming_line(workload: DerivedWorkload) -> str:
    if workload.naming is RouteNaming.MAP:
        return "Transactions named by the --routes map."
    if workload.naming is RouteNaming.MOCK:
        return "Transactions named by the mock service's API table (the log's paths are its)."
    text = (
        f"Transactions named from path templates ({len(workload.transactions)} transactions; "
        "record ids as {id}, queries dropped)"
    )
    if not workload.merged:
        return text + "."
    more = len(workload.merged) - 5
    shown = ", ".join(workload.merged[:5]) + (f" and {more:,} more" if more > 0 else "")
    count = workload.transactions[OTHER].count if OTHER in workload.transactions else 0
    return (
        f"{text}; {len(workload.merged)} templates past the busiest ones merged into "
        f"'{OTHER}' ({count:,} requests): {shown}."
    )


def _write_plot(path: Path, workload: DerivedWorkload) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    clock = workload.minute_clock_s
    ax.step(  # each minute's count, drawn over that minute
        np.concatenate([clock[:1], clock + 60.0]) / 3600,
        np.concatenate([[0], workload.open_sessions]),
        where="pre",
        label="observed (open sessions per minute)",
    )
    ax.plot(workload.profile.times / 3600, workload.profile.values, "o-", label="derived profile")
    ax.set_xlabel("clock (hours)")
    ax.set_ylabel("concurrent users")
    ax.set_title("Concurrency: derived profile against the log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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
    details.write_text(json.dumps(jsonable(_details(workload)), indent=2) + "\n")
    plot = (
        _write_plot(out.with_name(out.stem + "-concurrency.png"), workload)
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


def _details(workload: DerivedWorkload) -> dict[str, Any]:
    source = workload.source
    durations = source.durations if source else True
    return {
        "sources": workload.sources,
        "formats": {str(p): f.value for p, f in source.formats.items()} if source else {},
        "clock": source.clock.describe() if source else None,
        "day": source.day.isoformat() if source else None,
        "requests_per_day": (
            {d.isoformat(): n for d, n in sorted(source.requests_per_day.items()) if n}
            if source
            else {}
        ),
        "durations": durations,
        "lines": {
            "total": workload.lines.total,
            "bad": workload.lines.bad,
            "first_bad": workload.lines.first_bad,
            "no_request": workload.lines.no_request,
        },
        "unknown_routes": workload.unknown,
        "not_users": {
            "folded_assets": workload.not_users.folded_assets,
            "dropped": {r.value: n for r, n in workload.not_users.dropped.items()},
            "periodic_clients": workload.not_users.periodic_clients,
        },
        "naming": workload.naming.value,
        "templates": workload.templates,
        "merged_into_other": workload.merged,
        "requests": workload.requests,
        "users": workload.users,
        "sessions": workload.sessions,
        "session_gap_s": workload.session_gap_s,
        "think_time": asdict(workload.think_time),
        "flows": [asdict(f) for f in workload.flows],
        "transactions": {
            k: asdict(v) if durations else {**asdict(v), **_NO_TIMES}
            for k, v in workload.transactions.items()
        },
        "concurrency": {
            "clock": [format_clock(t) for t in workload.minute_clock_s],
            "open_sessions": workload.open_sessions.tolist(),
            "max_error": workload.profile.max_error,
            "rms_error": workload.profile.rms_error,
        },
    }

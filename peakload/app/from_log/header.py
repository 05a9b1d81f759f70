"""The derived scenario file's comment block: what was derived, from which logs, read how,
and how well the derived figures fit what the logs show."""

from __future__ import annotations

from pathlib import Path

from peakload.measure.access_log.derived import DerivedWorkload, RouteNaming
from peakload.measure.access_log.source import list_days
from peakload.measure.access_log.templates import OTHER


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

"""The JSON written beside a derived scenario: every figure behind the file (the lines
read, the routes, the not-users, the flows, each transaction's times, the concurrency)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from peakload.core.clock import format_clock
from peakload.measure.access_log.derived import DerivedWorkload

_NO_TIMES = {"mean_s": None, "p50_s": None, "p95_s": None, "p99_s": None}
"""A log without durations has no response times: null, not zero."""


def details_data(workload: DerivedWorkload) -> dict[str, Any]:
    """The JSON's data, keyed as the file has them (a log without durations: null times)."""
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

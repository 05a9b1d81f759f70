"""From log files to the parameters of a closed workload (:class:`DerivedWorkload`).

:func:`derive` streams one day of the logs (:mod:`~.source`: formats, clock,
day, time order) through :mod:`~.routes` and :mod:`~.sessions`, then fits
and simplifies. It raises :class:`LogError` (one line) when the logs cannot
describe a workload: no line at all, a format it cannot tell, more than
:data:`MAX_BAD_SHARE` of lines unparseable, a line further out of order than
``--max-skew``, a ``--day`` the logs do not have, or no session.

What is not a user is left out before the sessions are cut: static assets are
folded into their page views (:mod:`~.assets`), probes, crawlers and periodic
clients dropped (:mod:`~.clients`), each counted. A log with no user left
after that is refused with the counts.

Transactions are named (:class:`RouteNaming`) by the ``routes`` given (a
``--routes`` map); without one, by the mock service's API table when the
log's first batch is mostly the mock's paths, else by path templates
(:mod:`~.templates`), the busiest ``max_transactions`` by name and the rest as
``other``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from peakload.measure.access_log.clients import ClientScreen, DropReason, agent_reason
from peakload.measure.access_log.clock import ClockError, LogClock, parse_day
from peakload.measure.access_log.derived import (
    DerivedWorkload,
    NotUsers,
    RouteNaming,
    TransactionStats,
)
from peakload.measure.access_log.fitting import fit_think_time
from peakload.measure.access_log.flows import derive_flows
from peakload.measure.access_log.formats import (
    DEFAULT_MAX_SKEW_S,
    MAX_TRANSACTIONS,
    SESSION_GAP_S,
    LogFormat,
)
from peakload.measure.access_log.jsonl import JsonFields
from peakload.measure.access_log.lines import BATCH_LINES, FormatError
from peakload.measure.access_log.order import OrderError
from peakload.measure.access_log.routes import DEFAULT_ROUTES, UNKNOWN, Route, name_transactions
from peakload.measure.access_log.sessions import Sessions, user_key
from peakload.measure.access_log.simplify import simplify
from peakload.measure.access_log.source import SourceError, list_days, open_logs
from peakload.measure.access_log.templates import OTHER, name_templates

MAX_BAD_SHARE = 0.01
DAY_S = 86_400.0
WINDOW_S = 2 * 3600.0  # the busiest two hours, the length of the Treasury's peak
MOCK_SHARE = 0.5
"""The share of the first batch's page requests on the mock's routes that makes a log the
mock's (named by its API table; templates otherwise)."""


class LogError(ValueError):
    """The logs cannot describe a workload: one line saying why."""


def _open_per_minute(
    starts: np.ndarray, ends: np.ndarray, first_min: int, minutes: int
) -> np.ndarray:
    counts = np.zeros(minutes + 1, dtype=np.int64)
    np.add.at(counts, np.floor(starts / 60).astype(np.int64) - first_min, 1)
    np.add.at(counts, np.floor(ends / 60).astype(np.int64) - first_min + 1, -1)
    return np.cumsum(counts)[:minutes]


def _busiest(clock: np.ndarray, values: np.ndarray, length_s: float) -> tuple[float, float]:
    """The ``length_s`` of the busiest minutes, on the profile's clock: a minute's count
    sits at the minute's end, so the window is one minute later than the minutes it
    sums, and a log shorter than ``length_s`` gets all of it but the first minute (the
    profile's ramp from none)."""
    span = clock[-1] + 60 - clock[0]
    if span <= length_s:
        return float(clock[0] + (60 if len(clock) > 1 else 0)), float(clock[-1] + 60)
    width = int(length_s // 60)
    sums = np.convolve(values, np.ones(width), mode="valid")
    i = int(np.argmax(sums))
    return float(clock[i] + 60), float(clock[i] + 60 + length_s)


def _transaction_stats(sessions: Sessions) -> dict[str, TransactionStats]:
    """Counts, shares and errors per transaction, and response times (all zero for a
    format without durations: :attr:`DerivedWorkload.source` says which)."""
    total = sessions.requests
    out = {}
    for name, count in sorted(sessions.mix.items(), key=lambda item: -item[1]):
        times = sessions.response[name].values
        p50, p95, p99 = np.quantile(times, [0.5, 0.95, 0.99])
        out[name] = TransactionStats(
            count, count / total, sessions.errors[name], float(times.mean()), p50, p95, p99
        )
    return out


def _naming(batch: pl.DataFrame) -> RouteNaming:
    """The mock's table when most of the batch's page requests (probes and crawlers left
    out) are on its routes, else templates."""
    named = name_transactions(batch, DEFAULT_ROUTES)
    pages = named.filter(~pl.col("asset") & agent_reason(pl.col("agent")).is_null())
    known = int((pages["transaction"] != UNKNOWN).sum())
    mock = len(pages) > 0 and known >= MOCK_SHARE * len(pages)
    return RouteNaming.MOCK if mock else RouteNaming.TEMPLATES


@dataclass
class _Reader:
    """The per-batch pipeline: name, screen, sessionize (see the module)."""

    sessions: Sessions
    routes: tuple[Route, ...] | None
    keep_assets: bool
    keep_bots: bool
    naming: RouteNaming | None = None
    screen: ClientScreen = field(default_factory=ClientScreen)

    def add(self, batch: pl.DataFrame) -> None:
        if not len(batch):
            return
        if self.naming is None:
            self.naming = RouteNaming.MAP if self.routes is not None else _naming(batch)
            if self.naming is RouteNaming.MOCK:
                self.routes = DEFAULT_ROUTES
        frame = name_transactions(batch, self.routes, self.keep_assets)
        if not self.keep_bots:
            frame = self.screen.screen(frame.with_columns(user_key().alias("key")))
        self.sessions.add(frame)

    def finish(self) -> None:
        held = self.screen.flush()
        if held is not None:
            self.sessions.add(held)


def _name_templates(sessions: Sessions, max_transactions: int) -> list[str]:
    """Name the templates the sessions were cut with; returns those merged into ``other``."""
    names = name_templates(sessions.mix, max_transactions)
    merged = sorted((t for t, n in names.items() if n == OTHER), key=lambda t: -sessions.mix[t])
    sessions.rename(names)
    return merged


def derive(
    paths: Sequence[str | Path],
    fmt: LogFormat,
    routes: tuple[Route, ...] | None,
    session_gap_s: float = SESSION_GAP_S,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    batch_lines: int = BATCH_LINES,
    keep_assets: bool = False,
    keep_bots: bool = False,
    max_transactions: int = MAX_TRANSACTIONS,
    *,
    tz: str | None = None,
    day: str | date | None = None,
    max_skew_s: float = DEFAULT_MAX_SKEW_S,
    fields: JsonFields | None = None,
) -> DerivedWorkload:
    """Read ``paths`` and derive the workload; ``progress`` gets the lines read so far.

    ``routes`` None: the mock's table or templates, as the log's paths say (see the
    module). ``keep_assets`` and ``keep_bots`` count assets, probes, crawlers and
    periodic clients as users' requests (nothing folded, nothing dropped).
    ``tz`` (an IANA name or ``±HH:MM``) is the clock the scenario is on (default:
    the log's own offset, else UTC); ``day`` the day derived (default the busiest);
    ``max_skew_s`` how far out of time order lines may be; ``fields`` the keys of
    JSON lines. The result does not depend on ``batch_lines`` (how many lines are
    parsed at once): sessions, think times and transitions carry from one batch to
    the next.
    """
    rng = np.random.default_rng(seed)
    sessions = Sessions(session_gap_s, rng)
    reader = _Reader(sessions, routes, keep_assets, keep_bots)
    try:
        source = open_logs(
            paths,
            fmt,
            tz=LogClock.from_option(tz) if tz else None,
            day=parse_day(day) if isinstance(day, str) else day,
            max_skew_s=max_skew_s,
            fields=fields,
            batch_lines=batch_lines,
            progress=progress,
        )
        for batch in source.batches(progress):
            reader.add(batch)
    except (FormatError, ClockError, OrderError, SourceError) as exc:
        raise LogError(str(exc)) from None
    reader.finish()
    counts = source.lines
    screen = reader.screen
    not_users = NotUsers(
        sessions.folded,
        {r: screen.dropped[r] for r in DropReason},
        screen.clients[DropReason.PERIODIC],
    )
    naming = reader.naming or RouteNaming.MOCK
    merged = _name_templates(sessions, max_transactions) if naming is RouteNaming.TEMPLATES else []
    where = ", ".join(str(p) for p in paths)
    if counts.total == 0:
        raise LogError(f"{where}: empty log: no request lines")
    if counts.bad_share > MAX_BAD_SHARE:
        read_as = ", ".join(sorted({f.value for f in source.formats.values()}))
        raise LogError(
            f"{where}: {counts.bad:,} of {counts.total:,} lines ({counts.bad_share:.1%}) do not "
            f"parse as {read_as}; the first: {counts.first_bad!r}"
        )
    if not source.requests_per_day.get(source.day):
        raise LogError(
            f"{where}: no request on {source.day.isoformat()} ({source.clock.name}); the logs "
            f"have: {list_days(source.requests_per_day)}"
        )
    if sessions.next_sid == 0 and not_users.dropped_total:
        raise LogError(
            f"{where}: no user left: {counts.total - counts.bad:,} requests, "
            f"{not_users.describe()} (--keep-bots keeps them)"
        )
    if sessions.next_sid == 0:
        raise LogError(f"{where}: no session: no line names a known route (see --routes)")
    origin = source.midnight_s
    table = sessions.table
    starts = table["start"].to_numpy() - origin
    ends = table["end"].to_numpy() - origin
    first_min = int(np.floor(starts.min() / 60))
    minutes = int(np.floor(ends.max() / 60)) - first_min + 1
    clock = (first_min + np.arange(minutes)) * 60.0
    open_sessions = _open_per_minute(starts, ends, first_min, minutes)
    # The profile passes through each minute's count at the minute's end, from none at the
    # first minute's start: users who signed in during a minute are all there by its end.
    # So a log whose first minute holds a thousand sign-ins ramps up over that minute, as
    # it did, instead of stepping up at its first instant (where a simulation would sign
    # every user in at once).
    times = np.concatenate([[clock[0]], clock + 60.0])
    values = np.concatenate([[0.0], open_sessions.astype(float)])
    within = times <= DAY_S  # a request ending at midnight opens a minute 24:00-24:01
    profile = simplify(times[within], values[within])
    try:
        think = fit_think_time(sessions.think.values, rng, sessions.think_moments)
    except ValueError as exc:
        raise LogError(f"{where}: {exc}") from None
    return DerivedWorkload(
        sources=[str(p) for p in paths],
        lines=counts,
        unknown=dict(sessions.unknown.most_common()),
        requests=sessions.requests,
        users=len(sessions.users),
        sessions=sessions.next_sid,
        session_gap_s=session_gap_s,
        minute_clock_s=clock,
        open_sessions=open_sessions,
        profile=profile,
        think_time=think,
        flows=derive_flows(sessions.transitions, sessions.mix),
        transactions=_transaction_stats(sessions),
        start_s=float(clock[0]),
        end_s=float(min(clock[-1] + 60.0, DAY_S)),
        window_s=_busiest(clock, open_sessions.astype(float), WINDOW_S),
        source=source,
        naming=naming,
        not_users=not_users,
        templates=_templates(sessions.patterns),
        merged=merged,
    )


def _templates(patterns: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (name, pattern), n in sorted(patterns.items(), key=lambda item: -item[1]):
        out.setdefault(name, {})[pattern] = n
    return out

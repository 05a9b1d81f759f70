"""Clients that are not users: health probes, crawlers and periodic pollers.

A load balancer's health check, Kubernetes' liveness probe, a search engine's
crawler and a monitoring script all appear in an access log beside the
people, and none of them is a user a capacity plan should count: a probe that
asks for ``/healthz`` every ten seconds all day would be one more user
"signed in" from 00:00 to 24:00, a crawler a user with a thousand-step flow.
:class:`ClientScreen` drops them, each for a :class:`DropReason`, and counts
the lines it dropped:

- ``probe``: the user agent names a health checker or monitor
  (:data:`PROBE_AGENTS`: ``kube-probe/1.29``, ``ELB-HealthChecker/2.0``,
  ``GoogleHC/1.0``, ``Prometheus/2.x``, UptimeRobot, Pingdom...);
- ``crawler``: the user agent names a crawler (:data:`CRAWLER_AGENTS`:
  Googlebot, bingbot, Baiduspider, YandexBot... and, generically, an agent
  that calls itself a bot, crawler or spider or gives a ``+http`` contact
  URL, as crawlers' agents do);
- ``periodic``: whatever its agent, a client that asks for one path (method
  and path, no query) over and over at a fixed period: at least
  :data:`PERIODIC_MIN_REQUESTS` requests, of which at least
  :data:`PERIODIC_REGULAR_SHARE` of the intervals are their median (the
  period) within :data:`PERIODIC_TOLERANCE` of it (or a second, a log's
  timestamp resolution), or two or three periods (:data:`MISSED_BEATS`: a
  probe that missed a beat, a restart), the period at least
  :data:`PERIODIC_MIN_PERIOD_S`. A person asking for the same path ten times
  at the same pace to the second is not a person.

A client is the user :func:`~.sessions.user_key` names. Whether it is
periodic is known only after its first requests, so a client that has so far
asked for one path and fewer than :data:`PERIODIC_MIN_REQUESTS` times is
*held*: its rows wait, at most that many per client, until it asks for a
second path or reaches the count (then it is decided, once, and its held rows
go on or are dropped) or the log ends (then it is a user: too few requests
to tell). Memory is bounded by the clients, as the sessions' is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class DropReason(StrEnum):
    """Why a line is no user's request."""

    PROBE = "probe"
    CRAWLER = "crawler"
    PERIODIC = "periodic"


PROBE_AGENTS = (
    r"kube-probe/",
    r"ELB-HealthChecker",
    r"GoogleHC/",
    r"Amazon-Route53-Health-Check",
    r"Azure Traffic Manager Endpoint Monitor",
    r"AlwaysOn",
    r"Consul Health Check",
    r"Envoy/HC",
    r"HAProxy",
    r"Prometheus/",
    r"Blackbox Exporter",
    r"GoogleStackdriverMonitoring",
    r"UptimeRobot",
    r"Pingdom",
    r"StatusCake",
    r"Site24x7",
    r"Datadog/Synthetics",
    r"NewRelicPinger",
    r"Better ?Uptime",
    r"Zabbix",
    r"check_http/",
    r"nagios-plugins",
    r"Monit/",
)
"""User agents of health checkers and monitors (case-insensitive substrings, regex)."""

CRAWLER_AGENTS = (
    r"Googlebot",
    r"AdsBot-Google",
    r"Mediapartners-Google",
    r"bingbot",
    r"BingPreview",
    r"Baiduspider",
    r"YandexBot",
    r"DuckDuckBot",
    r"Yahoo! Slurp",
    r"Applebot",
    r"AhrefsBot",
    r"SemrushBot",
    r"MJ12bot",
    r"DotBot",
    r"PetalBot",
    r"Bytespider",
    r"GPTBot",
    r"ClaudeBot",
    r"CCBot",
    r"facebookexternalhit",
    r"Twitterbot",
    r"LinkedInBot",
    r"ia_archiver",
    r"\bbot\b",
    r"bot/\d",
    r"crawler",
    r"spider",
    r"\+https?://",
)
"""User agents of crawlers (case-insensitive, regex): named ones, then the generic signs."""

PERIODIC_MIN_REQUESTS = 10
PERIODIC_TOLERANCE = 0.05
PERIODIC_RESOLUTION_S = 1.0
PERIODIC_MIN_PERIOD_S = 5.0
PERIODIC_REGULAR_SHARE = 0.8
MISSED_BEATS = 2

_PROBE = "(?i)" + "|".join(PROBE_AGENTS)
_CRAWLER = "(?i)" + "|".join(CRAWLER_AGENTS)


def agent_reason(agent: pl.Expr) -> pl.Expr:
    """The drop reason a user agent gives (``probe``, ``crawler``), null for others."""
    return (
        pl.when(agent.str.contains(_PROBE))
        .then(pl.lit(DropReason.PROBE.value))
        .when(agent.str.contains(_CRAWLER))
        .then(pl.lit(DropReason.CRAWLER.value))
    )


def _regular(gaps: pl.Expr) -> pl.Expr:
    """Share of a list of intervals that are the median's length, or two or three times
    it (a missed beat), within tolerance (scaled by the beats)."""
    gap, period = pl.element(), pl.element().median()
    beats = (gap / period).round().clip(1, MISSED_BEATS + 1)
    tolerance = pl.max_horizontal(period * PERIODIC_TOLERANCE, pl.lit(PERIODIC_RESOLUTION_S))
    return gaps.list.eval((gap - beats * period).abs() <= beats * tolerance).list.mean()


@dataclass
class ClientScreen:
    """Drops probes, crawlers and periodic clients from batches (see the module)."""

    dropped: Counter[DropReason] = field(default_factory=Counter)  # lines, by reason
    clients: Counter[DropReason] = field(default_factory=Counter)  # periodic clients found
    decided_keys: pl.Series = field(default_factory=lambda: pl.Series("key", [], pl.UInt64))
    periodic_keys: pl.Series = field(default_factory=lambda: pl.Series("key", [], pl.UInt64))
    held: pl.DataFrame | None = None

    def screen(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The batch's rows of users (and held rows now known to be users').

        ``frame`` needs ``key`` (the user), ``target`` (method and path hash),
        ``agent``, ``end_s`` and ``request_time``.
        """
        agents = frame.select(pl.col("agent").unique())
        agents = agents.with_columns(agent_reason(pl.col("agent")).alias("reason"))
        bots = agents.filter(pl.col("reason").is_not_null())
        if len(bots):
            named = frame.join(bots, on="agent", how="left", maintain_order="left")
            for reason, n in named.group_by("reason").len().iter_rows():
                if reason is not None:
                    self.dropped[DropReason(reason)] += n
            frame = named.filter(pl.col("reason").is_null()).drop("reason")
        return self._periodic(frame)

    def _periodic(self, frame: pl.DataFrame) -> pl.DataFrame:
        # Masks on the key first: most rows are of clients decided long ago, and copying
        # a batch's columns (filters, joins) is what costs; it is copied once at most.
        key = frame["key"]
        periodic = key.is_in(self.periodic_keys.implode())
        undecided = ~key.is_in(self.decided_keys.implode())
        dropped = int(periodic.sum())
        if dropped:
            self.dropped[DropReason.PERIODIC] += dropped
        if not undecided.any():
            return frame.filter(~periodic) if dropped else frame
        new = frame.filter(undecided)
        users = frame.filter(~undecided & ~periodic)
        if self.held is not None and len(self.held):
            touched = new.select("key").unique()
            pool = pl.concat([self.held.join(touched, on="key", how="semi"), new])
            rest = self.held.join(touched, on="key", how="anti")
        else:
            pool, rest = new, None
        per = pool.group_by("key").agg(
            pl.len().alias("n"), pl.col("target").n_unique().alias("targets")
        )
        # Only a client of one path with enough requests can be periodic: the intervals
        # are computed for those alone (few), the rest are users or still held.
        candidates = per.filter((pl.col("targets") == 1) & (pl.col("n") >= PERIODIC_MIN_REQUESTS))
        if len(candidates):
            start = pl.col("end_s") - pl.col("request_time").fill_null(0.0)
            gaps = (
                pool.join(candidates.select("key"), on="key", how="semi")
                .group_by("key")
                .agg(start.sort().diff().drop_nulls().alias("gaps"))
                .select(
                    "key",
                    (
                        (pl.col("gaps").list.median() >= PERIODIC_MIN_PERIOD_S)
                        & (_regular(pl.col("gaps")) >= PERIODIC_REGULAR_SHARE)
                    ).alias("regular"),
                )
            )
            per = per.join(gaps, on="key", how="left")
        else:
            per = per.with_columns(pl.lit(None, pl.Boolean).alias("regular"))
        single = pl.col("targets") == 1
        enough = pl.col("n") >= PERIODIC_MIN_REQUESTS
        per = per.select(
            "key",
            pl.when(single & ~enough)
            .then(None)
            .otherwise((single & pl.col("regular")).fill_null(False))
            .alias("periodic"),
        )
        decided = per.filter(pl.col("periodic").is_not_null())
        found = decided.filter(pl.col("periodic"))["key"]
        self.decided_keys = pl.concat([self.decided_keys, decided["key"]])
        self.periodic_keys = pl.concat([self.periodic_keys, found])
        verdict = pool.join(per, on="key", how="left")
        held = verdict.filter(pl.col("periodic").is_null()).drop("periodic")
        self.held = held if rest is None else pl.concat([rest, held])
        gone = int(verdict["periodic"].fill_null(False).sum())
        if gone:
            self.dropped[DropReason.PERIODIC] += gone
            self.clients[DropReason.PERIODIC] += len(found)
        released = verdict.filter(~pl.col("periodic").fill_null(True)).drop("periodic")
        return pl.concat([users, released]) if len(users) else released

    def flush(self) -> pl.DataFrame | None:
        """At the log's end: the held rows, users' (too few requests to call periodic)."""
        held, self.held = self.held, None
        return held

"""A day of web traffic whose workload is known, written in any format from-log reads.

:func:`generate` makes a day of a Treasury-like service: budget units sign in
(arriving over the morning, most around 09:30), each works one session of
flows over REST paths with numeric IDs, thinking between requests, and
leaves. Beside them, as real servers see them, a Kubernetes health probe
fetches ``/healthz`` every 10 s all day, Googlebot crawls public pages, and
each sign-in is followed by the browser fetching the page's static assets.
What it knows (:class:`Truth`) is what from-log should give back: users
with an open session per minute (so the peak and its hour), the think times
it drew, the main flow.

The writers put the same requests in each server's own format, as that
server writes them: each line written when its request ends (so a file is
in end order), stamped as the server stamps (Apache ``%t``: the start, in
local time with its offset; nginx ``$time_local``: the end; IIS: the end,
UTC, ``time-taken`` in ms). Formatting runs in polars (no loop per line), so
the benchmark can write millions of lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ZONE_S = 7 * 3600  # Vietnam, +07:00
DAY = datetime(2020, 4, 27, tzinfo=UTC).timestamp() - ZONE_S  # 2020-04-27 00:00 +07:00
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
PROBE = "kube-probe/1.29"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

# (transaction, method, path with {id}, mean service seconds)
STEPS = {
    "login": ("POST", "/api/v1/auth/token", 0.050),
    "search_budget_codes": ("GET", "/api/v1/catalog/budget-codes?q=chi+thuong+xuyen", 0.080),
    "create_payment": ("POST", "/api/v1/payment-orders", 0.120),
    "sign_payment": ("POST", "/api/v1/payment-orders/{id}/signature", 0.900),
    "submit_payment": ("POST", "/api/v1/payment-orders/{id}/submission", 0.200),
    "get_payment": ("GET", "/api/v1/payment-orders/{id}", 0.040),
    "list_payments": ("GET", "/api/v1/payment-orders?status=submitted", 0.150),
    "submit_dossier": ("POST", "/api/v1/dossiers", 0.250),
    "get_dossier": ("GET", "/api/v1/dossiers/{id}", 0.040),
}
PAYMENT = ("search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment")
FLOWS = {
    "payment": (6, PAYMENT),
    "review": (2, ("list_payments", "get_payment")),
    "dossier": (3, ("submit_dossier", "get_dossier")),
}
ASSETS = ("/static/app.3f9c.js", "/static/app.8d1e.css", "/static/logo.png", "/favicon.ico")
PUBLIC = ("/", "/gioi-thieu", "/tin-tuc/{id}", "/lien-he")


@dataclass(frozen=True)
class Truth:
    """What the generator knows; clock seconds are since 00:00 +07:00 on 2020-04-27."""

    users: int
    open_per_minute: np.ndarray  # users in a session during each minute of the day
    think_mean_s: float
    think_count: int

    @property
    def peak_users(self) -> int:
        return int(self.open_per_minute.max())

    @property
    def peak_hour(self) -> int:
        return int(np.argmax(self.open_per_minute)) // 60


def _took(rng: np.random.Generator, mean: float) -> float:
    return float(rng.lognormal(np.log(mean) - 0.18, 0.6))  # cv about 0.66, mean ``mean``


def generate(
    users: int = 600, think_mean_s: float = 30.0, session_mean_s: float = 3600.0, seed: int = 7
) -> tuple[pl.DataFrame, Truth]:
    """The day's requests (one row each: who, what, start and duration) and the truth."""
    rng = np.random.default_rng(seed)
    rows: list[tuple] = []
    thinks: list[float] = []
    names = list(FLOWS)
    weights = np.array([FLOWS[n][0] for n in names], dtype=float)
    weights /= weights.sum()
    minutes = np.zeros(24 * 60 + 1, dtype=np.int64)
    next_id = 1000
    for user in range(users):
        unit = str(1_000_001 + user)
        client = f"10.{20 + user // 250}.{user % 250}.{7 + user % 3}"
        t = rng.triangular(7.5 * 3600, 9.5 * 3600, 11 * 3600)
        leave = t + max(rng.exponential(session_mean_s), 600.0)
        first_start = t
        took = _took(rng, STEPS["login"][2])
        rows.append((unit, client, BROWSER, "login", 0, t, took))
        t += took
        for i, asset in enumerate(ASSETS):  # the page's assets, right after sign-in
            rows.append(("-", client, BROWSER, asset, 0, t + 0.01 * i, 0.002))
        while t < leave:
            flow = FLOWS[names[rng.choice(len(names), p=weights)]][1]
            next_id += 1
            for step in flow:
                think = rng.exponential(think_mean_s)
                thinks.append(think)
                t += think
                took = _took(rng, STEPS[step][2])
                rows.append((unit, client, BROWSER, step, next_id, t, took))
                t += took
        first, last = int(first_start // 60), int(t // 60)
        minutes[first] += 1
        minutes[min(last + 1, len(minutes) - 1)] -= 1
    for probe in np.arange(0.0, 86_400.0, 10.0):  # all day, every 10 s
        rows.append(("-", "10.0.0.2", PROBE, "/healthz", 0, probe + 0.3, 0.001))
    for i, start in enumerate(np.sort(rng.uniform(8 * 3600, 12 * 3600, 300))):
        rows.append(("-", "66.249.66.1", CRAWLER, PUBLIC[i % 4], i, start, 0.030))
    frame = pl.DataFrame(
        rows,
        schema={
            "user": pl.String,
            "client": pl.String,
            "agent": pl.String,
            "step": pl.String,
            "id": pl.Int64,
            "start": pl.Float64,
            "took": pl.Float64,
        },
        orient="row",
    )
    table = pl.DataFrame(
        [(name, method, path) for name, (method, path, _) in STEPS.items()],
        schema={"step": pl.String, "method": pl.String, "template": pl.String},
        orient="row",
    )
    frame = frame.join(table, on="step", how="left").with_columns(
        pl.col("method").fill_null("GET"),
        pl.coalesce("template", "step")
        .str.replace("{id}", pl.col("id").cast(pl.String), literal=True)
        .alias("path"),
        (pl.col("start") + DAY).alias("start"),
    )
    frame = frame.with_columns((pl.col("start") + pl.col("took")).alias("end")).sort("end")
    truth = Truth(users, np.cumsum(minutes)[:-1], float(np.mean(thinks)), len(thinks))
    return frame.select("user", "client", "agent", "method", "path", "start", "took", "end"), truth


def _stamp(seconds: pl.Expr, offset_s: int, fmt: str) -> pl.Expr:
    """``seconds`` (epoch) on the clock ``offset_s`` east of UTC, formatted (whole seconds)."""
    local = (seconds.floor() + offset_s) * 1000
    return local.cast(pl.Int64).cast(pl.Datetime("ms")).dt.strftime(fmt)


def _clf(frame: pl.DataFrame, stamp_col: str, tail: pl.Expr | None, combined: bool) -> pl.Series:
    stamp = _stamp(pl.col(stamp_col), ZONE_S, "%d/%b/%Y:%H:%M:%S +0700")
    parts = [
        pl.col("client"),
        pl.lit(" - "),
        pl.col("user"),
        pl.lit(" ["),
        stamp,
        pl.lit('] "'),
        pl.col("method"),
        pl.lit(" "),
        pl.col("path"),
        pl.lit(' HTTP/1.1" 200 512'),
    ]
    if combined:
        parts += [pl.lit(' "-" "'), pl.col("agent"), pl.lit('"')]
    if tail is not None:
        parts += [pl.lit(" "), tail]
    return frame.select(pl.concat_str(parts)).to_series()


def lines(frame: pl.DataFrame, fmt: str) -> list[str]:
    """The requests as ``fmt`` writes them (a :class:`LogFormat` value but auto)."""
    took = pl.col("took")
    if fmt == "w3c":
        return _w3c(frame)
    if fmt == "jsonl":  # the mock's keys, which need no --fields
        record = pl.struct(
            pl.col("end").round(3).alias("time"),
            pl.col("client").alias("remote_addr"),
            pl.col("user").alias("remote_user"),
            pl.col("agent").alias("user_agent"),
            "method",
            "path",
            pl.lit(200).alias("status"),
            took.round(6).alias("request_time"),
        )
        return frame.select(record.struct.json_encode()).to_series().to_list()
    combined = fmt.startswith("combined") or fmt == "nginx"
    if fmt == "nginx":
        tail = pl.format("{} {}", took.round(3), pl.col("end").round(3))
        return _clf(frame, "end", tail, True).to_list()
    tail = {
        "usec": (took * 1e6).round().cast(pl.Int64).cast(pl.String),
        "sec": took.floor().cast(pl.Int64).cast(pl.String),
    }.get(fmt.rpartition("-")[2])
    return _clf(frame, "start", tail, combined).to_list()


W3C_FIELDS = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)


def _w3c(frame: pl.DataFrame) -> list[str]:
    stem = pl.col("path").str.split("?").list.first()
    query = pl.col("path").str.split("?").list.get(1, null_on_oob=True).fill_null("-")
    text = frame.select(
        pl.concat_str(
            [
                _stamp(pl.col("end"), 0, "%Y-%m-%d %H:%M:%S"),
                pl.lit(" 10.1.0.16 "),
                pl.col("method"),
                pl.lit(" "),
                stem,
                pl.lit(" "),
                query,
                pl.lit(" 443 "),
                pl.col("user"),
                pl.lit(" "),
                pl.col("client"),
                pl.lit(" "),
                pl.col("agent").str.replace_all(" ", "+", literal=True),
                pl.lit(" - 200 0 0 "),
                (pl.col("took") * 1000).round().cast(pl.Int64).cast(pl.String),
            ]
        )
    ).to_series()
    head = [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Date: 2020-04-26 17:00:00",
        f"#Fields: {W3C_FIELDS}",
    ]
    return head + text.to_list()


def write(path: Path, frame: pl.DataFrame, fmt: str) -> Path:
    """The requests written to ``path`` in ``fmt`` (IIS with CRLF line ends, as it writes)."""
    end = "\r\n" if fmt == "w3c" else "\n"
    path.write_text(end.join(lines(frame, fmt)) + end, newline="")
    return path

"""What is not a user: assets folded into page views; probes, crawlers and periodic
clients dropped and counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from peakload.measure.access_log.clients import (
    PERIODIC_MIN_REQUESTS,
    ClientScreen,
    DropReason,
    agent_reason,
)
from peakload.measure.access_log.derive import LogError, derive
from peakload.measure.access_log.lines import LogFormat, read_batches
from peakload.measure.access_log.routes import DEFAULT_ROUTES, name_transactions
from peakload.measure.access_log.sessions import user_key
from tests.peakload.measure.access_log.synthetic import DAY, raw_line, write_log

DATA = Path(__file__).parent / "data"
NGINX_LOG = DATA / "nginx-bots-and-assets.log"
"""Written by Debian's nginx 1.22 (default ``combined`` log) serving a folder, asked by
curl with each program's own User-Agent: kube-probe, ELB-HealthChecker/2.0, GoogleHC,
Googlebot (desktop and smartphone, from Google's crawler documentation), bingbot, and a
Firefox page view with its style sheet, script, image and favicon."""


def _screened(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, ClientScreen]:
    (batch,) = read_batches(path, LogFormat.AUTO)
    named = name_transactions(batch, None).with_columns(user_key().alias("key"))
    screen = ClientScreen()
    kept = screen.screen(named)
    held = screen.flush()
    return named, pl.concat([kept, held]) if held is not None else kept, screen


def test_lines_nginx_wrote_for_probes_crawlers_and_a_page_view():
    named, kept, screen = _screened(NGINX_LOG)
    assert len(named) == 12
    assert screen.dropped == {DropReason.PROBE: 3, DropReason.CRAWLER: 3}
    assert set(kept["agent"]) == {
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    }
    assets = sorted(kept.filter(pl.col("asset"))["path"])
    assert assets == ["/favicon.ico", "/static/app.css", "/static/app.js", "/static/logo.png"]
    pages = kept.filter(~pl.col("asset"))
    assert sorted(pages["transaction"]) == ["GET /", "GET /api/v1/orders"]  # query dropped


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        ("kube-probe/1.29", "probe"),
        ("ELB-HealthChecker/2.0", "probe"),
        ("GoogleHC/1.0", "probe"),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "crawler"),
        ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "crawler"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Safari/537.36", None),
        ("Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36", None),
        ("peakload-accountant/1 (unit 1000042)", None),
    ],
)  # fmt: skip
def test_user_agents_are_told_apart(agent, reason):
    frame = pl.DataFrame({"agent": [agent]})
    assert frame.select(agent_reason(pl.col("agent")))[0, 0] == reason


def _client(times: list[float], path: str = "/api/v1/statements", agent: str = "curl/7.88.1"):
    return [raw_line(DAY + t, "10.0.0.7", "-", "GET", path, agent, 0.01) for t in times]


def _screen_lines(tmp_path: Path, lines: list[str], batch_lines: int = 100_000) -> ClientScreen:
    path = tmp_path / "access.log"
    path.write_text("\n".join(sorted(lines, key=lambda s: s.split("[")[1])) + "\n")
    screen = ClientScreen()
    for batch in read_batches(path, LogFormat.AUTO, batch_lines=batch_lines):
        screen.screen(name_transactions(batch, None).with_columns(user_key().alias("key")))
    screen.flush()
    return screen


def test_a_client_polling_one_path_at_a_fixed_period_is_periodic(tmp_path):
    rng = np.random.default_rng(3)
    beats = [36_000 + 30 * i + rng.uniform(-0.4, 0.4) for i in range(40) if i != 7]
    screen = _screen_lines(tmp_path, _client(beats), batch_lines=7)  # across many batches
    assert screen.dropped == {DropReason.PERIODIC: len(beats)}
    assert screen.clients[DropReason.PERIODIC] == 1


def test_a_person_on_one_path_or_a_short_poller_is_no_periodic_client(tmp_path):
    rng = np.random.default_rng(4)
    person = list(36_000 + np.cumsum(rng.exponential(20.0, 30)))
    assert not _screen_lines(tmp_path, _client(person)).dropped
    short = [36_000 + 30 * i for i in range(PERIODIC_MIN_REQUESTS - 1)]
    assert not _screen_lines(tmp_path, _client(short)).dropped


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """50 users who fetch assets after each payment page, with a probe, a crawler and a
    poller beside them."""
    added: dict[str, int] = {}
    path = write_log(
        tmp_path_factory.mktemp("log") / "access.log",
        users=50,
        think_mean=20.0,
        assets=True,
        others=True,
        added=added,
    )
    return path, added


def test_users_think_times_and_flows_survive_assets_and_bystanders(crowded):
    path, added = crowded
    workload = derive([path], LogFormat.AUTO, None, session_gap_s=600)
    assert workload.sessions == 50 and workload.users == 50
    assert workload.open_sessions.max() == pytest.approx(50, abs=2)
    assert workload.think_time.mean_s == pytest.approx(20.0, rel=0.05)  # from the last asset
    assert set(workload.transactions) <= {"login", *_mock_names()}
    not_users = workload.not_users
    assert not_users.folded_assets == added["assets"] > 0
    assert not_users.dropped == {
        DropReason.PROBE: added["probe"],
        DropReason.CRAWLER: added["crawler"],
        DropReason.PERIODIC: added["periodic"],
    }
    assert not_users.periodic_clients == 1
    payment = ("search_budget_codes", "create_payment", "sign_payment", "submit_payment",
               "get_payment")  # fmt: skip
    assert payment in {f.steps for f in workload.flows}


def _mock_names() -> set[str]:
    return {r.transaction for r in DEFAULT_ROUTES}


def test_batches_do_not_change_what_is_dropped(crowded):
    path, _ = crowded
    whole = derive([path], LogFormat.AUTO, None, session_gap_s=600)
    pieces = derive([path], LogFormat.AUTO, None, session_gap_s=600, batch_lines=97)
    assert pieces.not_users == whole.not_users
    assert pieces.sessions == whole.sessions and pieces.flows == whole.flows
    assert pieces.think_time.count == whole.think_time.count


def test_keep_flags_count_them_as_users(crowded):
    path, added = crowded
    kept = derive([path], LogFormat.AUTO, None, session_gap_s=600, keep_assets=True, keep_bots=True)
    assert kept.not_users.folded_assets == 0 and kept.not_users.dropped_total == 0
    assert kept.sessions > 50  # the crawler and the poller are users now
    assert kept.unknown["GET /healthz"] == added["probe"]  # not a route of the mock's
    assert (
        sum(n for p, n in kept.unknown.items() if "/static/" in p or "favicon" in p)
        == (added["assets"])
    )


def test_a_log_of_bots_alone_is_refused_with_the_counts(tmp_path):
    path = tmp_path / "bots.log"
    lines = _client([36_000 + 10 * i for i in range(30)], "/healthz", "kube-probe/1.29")
    lines += _client([36_000 + 30 * i for i in range(30)], "/api/v1/statements")
    path.write_text("\n".join(sorted(lines, key=lambda s: s.split("[")[1])) + "\n")
    with pytest.raises(LogError, match=r"no user left.*30 probe, 0 crawler, 30 periodic"):
        derive([path], LogFormat.AUTO, None)

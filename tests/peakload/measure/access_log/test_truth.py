"""A day whose workload is known (:mod:`.truth`), written as Apache ``%D`` and as IIS
W3C in UTC, gives it back through from-log."""

from __future__ import annotations

import gzip

import pytest

from peakload.measure.access_log.clients import DropReason
from peakload.measure.access_log.derive import derive
from peakload.measure.access_log.formats import LogFormat
from peakload.measure.access_log.routes import DEFAULT_ROUTES
from tests.peakload.measure.access_log.truth import PAYMENT, generate, write

DEFAULT_NAMES = [route.transaction for route in DEFAULT_ROUTES]


@pytest.fixture(scope="module")
def day():
    return generate(users=600, think_mean_s=30.0, seed=7)


# No route map: the log's paths are the mock's, so its table names them; the probe
# (/healthz every 10 s all day), the crawler's 300 public pages and the 4 static assets
# after each sign-in are no user's requests, and none becomes a transaction.
@pytest.mark.parametrize(
    ("fmt", "tz"), [(LogFormat.COMBINED_USEC, None), (LogFormat.W3C, "+07:00")]
)
def test_a_known_day_comes_back(tmp_path, day, fmt, tz):
    frame, truth = day
    path = write(tmp_path / f"access.{fmt.value}.log", frame, fmt.value)
    workload = derive([path], LogFormat.AUTO, None, tz=tz)
    source = workload.source
    assert source.formats[path] is fmt and source.day.isoformat() == "2020-04-27"
    assert source.clock.name == "UTC+07:00"
    peak = int(workload.open_sessions.max())
    assert peak == pytest.approx(truth.peak_users, rel=0.10)
    peak_clock = workload.minute_clock_s[workload.open_sessions.argmax()]
    assert int(peak_clock // 3600) == truth.peak_hour
    assert workload.think_time.mean_s == pytest.approx(truth.think_mean_s, rel=0.10)
    assert workload.sessions == truth.users
    flows = {f.steps: f.count for f in workload.flows}
    assert max(flows, key=flows.get) == PAYMENT
    assert set(workload.transactions) <= set(DEFAULT_NAMES) and not workload.unknown
    not_users = workload.not_users
    assert not_users.dropped[DropReason.PROBE] >= 8639  # 8,640 in the day, one at its edge
    assert not_users.dropped[DropReason.CRAWLER] == 300
    assert not_users.folded_assets == 4 * truth.users


def test_iis_without_tz_is_read_on_utc_and_says_so(tmp_path, day):
    frame, truth = day
    path = write(tmp_path / "u_ex200427.log", frame, "w3c")
    workload = derive([path], LogFormat.AUTO, DEFAULT_ROUTES)
    assert workload.source.clock.name == "UTC"
    assert "W3C logs (IIS) are written in UTC" in workload.source.clock.describe()
    peak_clock = workload.minute_clock_s[workload.open_sessions.argmax()]
    assert int(peak_clock // 3600) == truth.peak_hour - 7
    # 17:00-24:00 UTC of the 26th is the morning of the 27th in Hanoi: the probe's lines
    # then are another (UTC) day's, named as skipped.
    assert [d.isoformat() for d in workload.source.skipped_days] == ["2020-04-26"]


def test_three_iis_servers_gzipped_give_the_day_of_one(tmp_path, day):
    """Last April's logs from three IIS servers behind a balancer (each user's requests on
    one server, as sticky sessions make them), gzipped by rotation: merged by time, they
    give what the one log of all gives."""
    frame, truth = day
    whole = write(tmp_path / "all.log", frame, "w3c")
    server = frame["client"].str.split(".").list.get(2).cast(int) % 3
    paths = []
    for i in range(3):
        plain = write(tmp_path / f"web{i + 1}.log", frame.filter(server == i), "w3c")
        packed = plain.with_suffix(".log.gz")
        packed.write_bytes(gzip.compress(plain.read_bytes()))
        paths.append(packed)
    one = derive([whole], LogFormat.AUTO, DEFAULT_ROUTES, tz="Asia/Ho_Chi_Minh")
    three = derive(paths, LogFormat.AUTO, DEFAULT_ROUTES, tz="Asia/Ho_Chi_Minh")
    assert three.source.describe_formats().endswith("(3 files)")
    assert three.sessions == one.sessions == truth.users
    assert (three.open_sessions == one.open_sessions).all()
    assert three.think_time.count == one.think_time.count
    assert three.think_time.mean_s == pytest.approx(one.think_time.mean_s, rel=1e-9)
    assert three.flows == one.flows

"""A day whose workload is known (:mod:`.truth`), written as Apache ``%D`` and as IIS
W3C in UTC, gives it back through from-log."""

from __future__ import annotations

import gzip

import pytest

from peakload.measure.access_log.derive import derive
from peakload.measure.access_log.formats import LogFormat
from peakload.measure.access_log.routes import DEFAULT_ROUTES
from tests.peakload.measure.access_log.truth import PAYMENT, generate, write


@pytest.fixture(scope="module")
def day():
    return generate(users=600, think_mean_s=30.0, seed=7)


# The probe (/healthz), the crawler's public pages and the static assets are on no route of
# DEFAULT_ROUTES here, so they are unknown routes, not users. When the lead merges the
# other half of issue 19 (routes without a map, assets folded, probes and crawlers
# dropped), run this without routes as well and assert: no probe, crawler or asset among
# the transactions, and the dropped/folded counts (2 probe lines per 20 s all day; 300
# crawler lines; 4 assets per sign-in).
@pytest.mark.parametrize(
    ("fmt", "tz"), [(LogFormat.COMBINED_USEC, None), (LogFormat.W3C, "+07:00")]
)
def test_a_known_day_comes_back(tmp_path, day, fmt, tz):
    frame, truth = day
    path = write(tmp_path / f"access.{fmt.value}.log", frame, fmt.value)
    workload = derive([path], LogFormat.AUTO, DEFAULT_ROUTES, tz=tz)
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
    assert {"/healthz"} <= {p.split()[-1] for p in workload.unknown}


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

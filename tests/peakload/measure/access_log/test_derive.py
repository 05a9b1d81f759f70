"""Deriving a workload from a synthetic log whose workload we know."""

from __future__ import annotations

import numpy as np
import pytest

from peakload.measure.access_log.derive import LogError, derive
from peakload.measure.access_log.lines import LogFormat
from peakload.measure.access_log.routes import DEFAULT_ROUTES
from tests.peakload.measure.access_log.synthetic import DAY, line, write_log


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    path = write_log(tmp_path_factory.mktemp("log") / "access.log", users=50, think_mean=20.0)
    return derive([path], LogFormat.AUTO, DEFAULT_ROUTES, session_gap_s=600)


def test_users_and_think_time_are_recovered(known):
    assert known.open_sessions.max() == pytest.approx(50, abs=2)
    assert known.think_time.mean_s == pytest.approx(20.0, rel=0.05)
    assert known.think_time.chosen in ("gamma", "lognormal")  # exponential is gamma with cv 1
    assert known.think_time.cv == pytest.approx(1.0, abs=0.1)
    assert known.sessions == 50


def test_flows_are_recovered_in_order_with_their_weights(known):
    flows = {f.steps: f.count for f in known.flows}
    payment = (
        "search_budget_codes",
        "create_payment",
        "sign_payment",
        "submit_payment",
        "get_payment",
    )
    assert payment in flows
    assert ("list_payments", "get_payment") in flows
    assert ("submit_dossier", "get_dossier") in flows
    share = flows[payment] / sum(flows.values())
    assert share == pytest.approx(6 / 12, abs=0.05)
    assert all("login" not in steps for steps in flows)


def test_batches_do_not_change_the_result(tmp_path):
    """Sessions, think times and transitions carry across batch boundaries: a log read
    97 lines at a time gives what it gives read whole."""
    path = write_log(tmp_path / "access.log", users=30, think_mean=20.0, minutes=30)
    whole = derive([path], LogFormat.AUTO, DEFAULT_ROUTES, session_gap_s=600)
    pieces = derive([path], LogFormat.AUTO, DEFAULT_ROUTES, session_gap_s=600, batch_lines=97)
    assert len(pieces.lines.per_batch) > 20 and len(whole.lines.per_batch) == 1
    assert pieces.sessions == whole.sessions and pieces.users == whole.users
    assert np.array_equal(pieces.open_sessions, whole.open_sessions)
    assert pieces.think_time.count == whole.think_time.count
    assert pieces.think_time.mean_s == pytest.approx(whole.think_time.mean_s, rel=1e-9)
    assert pieces.flows == whole.flows


def test_profile_has_at_most_30_points_and_states_its_error(known):
    assert len(known.profile.times) <= 30
    assert known.profile.max_error >= known.profile.rms_error >= 0
    assert np.all(np.diff(known.profile.times) > 0)


def test_second_resolution_logs_keep_the_mean_think_time(tmp_path):
    path = write_log(tmp_path / "coarse.log", users=30, think_mean=20.0, msec=False)
    workload = derive([path], LogFormat.NGINX, DEFAULT_ROUTES, session_gap_s=600)
    assert workload.think_time.mean_s == pytest.approx(20.0, rel=0.08)


def test_bad_lines_over_one_percent_are_refused_with_an_example(tmp_path):
    path = write_log(tmp_path / "access.log", users=5, minutes=5)
    lines = path.read_text().splitlines()
    lines[3] = "this is not a log line"
    lines[7] = "nor this"
    path.write_text("\n".join(lines[:150]) + "\n")
    with pytest.raises(LogError, match=r"do not parse.*'this is not a log line'"):
        derive([path], LogFormat.NGINX, DEFAULT_ROUTES)


def test_a_few_bad_lines_are_counted_and_skipped(tmp_path):
    path = write_log(tmp_path / "access.log", users=20, minutes=20)
    path.write_text(path.read_text() + "garbage\n")
    workload = derive([path], LogFormat.NGINX, DEFAULT_ROUTES)
    assert workload.lines.bad == 1 and workload.lines.first_bad == "garbage"


def test_empty_log_and_no_session_are_refused(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_text("")
    with pytest.raises(LogError, match="empty log"):
        derive([empty], LogFormat.NGINX, DEFAULT_ROUTES)
    unknown = tmp_path / "unknown.log"
    unknown.write_text(
        '127.0.0.1 - 7 [27/Apr/2020:09:00:00 +0000] "GET /elsewhere/42 HTTP/1.1" '
        '200 1 "-" "x" 0.010\n'
    )
    with pytest.raises(LogError, match="no session"):
        derive([unknown], LogFormat.NGINX, DEFAULT_ROUTES)


def test_unknown_routes_are_counted_per_pattern(tmp_path):
    path = write_log(tmp_path / "access.log", users=10, minutes=10)
    extra = (
        '127.0.0.1 - 7 [27/Apr/2020:09:30:00 +0000] "GET /api/v2/things/{n} HTTP/1.1" '
        '200 1 "-" "x" 0.010\n'
    )
    path.write_text(path.read_text() + "".join(extra.format(n=n) for n in range(3)))
    workload = derive([path], LogFormat.NGINX, DEFAULT_ROUTES)
    assert workload.unknown == {"GET /api/v2/things/{id}": 3}  # a version stays


def _one_user(path, requests):
    """A log of unit 7's (transaction, start s after midnight, request time s), in end order."""
    ends = sorted((DAY + start + took, name, took) for name, start, took in requests)
    path.write_text("".join(line(end, 7, name, took) + "\n" for end, name, took in ends))
    return path


def test_think_time_runs_from_the_latest_end_of_overlapping_requests(tmp_path):
    """A long search (10-20 s) overlapped by a short dossier (15-16 s): the user waited
    until 20 s, so the statements at 29 s followed 9 s of thinking, not 13."""
    requests = [("search_budget_codes", 10, 10), ("submit_dossier", 15, 1)]
    requests += [("get_statements", 29 + 10 * i, 0.5) for i in range(12)]
    path = _one_user(tmp_path / "access.log", requests)
    workload = derive([path], LogFormat.NGINX, DEFAULT_ROUTES)
    gaps = np.array([9.0] + [9.5] * 11)  # the statements come every 10 s, each takes 0.5
    assert workload.think_time.count == len(gaps)
    assert workload.think_time.mean_s == pytest.approx(gaps.mean())


def test_several_servers_logs_are_merged_by_time_in_any_order(tmp_path):
    """Two servers' logs of the same hour (every other user on each), given in either
    order, give what the one log of both gives."""
    path = write_log(tmp_path / "access.log", users=10, minutes=60)
    lines = path.read_text().splitlines(keepends=True)
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    one.write_text("".join(line for line in lines if int(line.split()[2]) % 2))
    two.write_text("".join(line for line in lines if not int(line.split()[2]) % 2))
    whole = derive([path], LogFormat.NGINX, DEFAULT_ROUTES)
    for order in ([one, two], [two, one]):
        merged = derive(order, LogFormat.NGINX, DEFAULT_ROUTES, batch_lines=50)
        assert merged.sessions == whole.sessions == 10
        assert np.array_equal(merged.open_sessions, whole.open_sessions)
        assert merged.think_time.mean_s == pytest.approx(whole.think_time.mean_s, rel=1e-9)
        assert merged.flows == whole.flows


def test_lines_out_of_order_within_the_window_are_sorted(tmp_path):
    """Lines shuffled within a minute (a shipped log) give what the sorted log gives."""
    path = write_log(tmp_path / "access.log", users=10, minutes=30)
    lines = path.read_text().splitlines(keepends=True)
    rng = np.random.default_rng(3)
    keys = [float(line.split()[-1]) + rng.uniform(0, 60) for line in lines]
    shuffled = tmp_path / "shuffled.log"
    shuffled.write_text("".join(line for _, line in sorted(zip(keys, lines, strict=True))))
    assert shuffled.read_text() != path.read_text()
    whole = derive([path], LogFormat.NGINX, DEFAULT_ROUTES)
    mixed = derive([shuffled], LogFormat.NGINX, DEFAULT_ROUTES, batch_lines=40)
    assert mixed.sessions == whole.sessions
    assert mixed.think_time.mean_s == pytest.approx(whole.think_time.mean_s, rel=1e-9)
    assert mixed.flows == whole.flows


def test_a_line_beyond_the_window_names_the_file_the_line_and_the_fix(tmp_path):
    path = write_log(tmp_path / "access.log", users=10, minutes=30)
    lines = path.read_text().splitlines(keepends=True)
    late = lines.pop(100)
    lines.insert(400, late)  # some minutes after its time
    path.write_text("".join(lines))
    with pytest.raises(
        LogError,
        match=r"access.log: line 401 starts .* before a line above it, "
        r"beyond --max-skew 120 s: .*--max-skew \d+ or more",
    ):
        derive([path], LogFormat.NGINX, DEFAULT_ROUTES)
    assert derive([path], LogFormat.NGINX, DEFAULT_ROUTES, max_skew_s=3600).sessions == 10


def test_a_log_that_runs_to_midnight_keeps_its_profile_inside_the_day(tmp_path):
    requests = [("get_statements", 86_340 + 5 * i, 0.2) for i in range(12)]
    requests[-1] = ("get_statements", 86_399.5, 0.5)  # ends at 24:00:00.000
    path = _one_user(tmp_path / "access.log", requests)
    # One path every 5 s is a periodic client: kept here, the day's edge is the point.
    workload = derive([path], LogFormat.NGINX, DEFAULT_ROUTES, keep_bots=True)
    assert workload.profile.times.max() <= 86_400
    assert workload.end_s == 86_400


def _two_days(tmp_path):
    """30 users on 27 April from 09:00 UTC, 10 users on the 28th: one log of both."""
    first = write_log(tmp_path / "a.log", users=30, minutes=30)
    second = write_log(tmp_path / "b.log", users=10, minutes=30, start_clock=86_400 + 9 * 3600)
    path = tmp_path / "access.log"
    path.write_text(first.read_text() + second.read_text())
    return path, len(first.read_text().splitlines()), len(second.read_text().splitlines())


def test_the_busiest_day_is_derived_and_the_others_named(tmp_path):
    path, first, second = _two_days(tmp_path)
    workload = derive([path], LogFormat.AUTO, DEFAULT_ROUTES, session_gap_s=600)
    source = workload.source
    assert source.day.isoformat() == "2020-04-27" and workload.sessions == 30
    assert {d.isoformat(): n for d, n in source.skipped_days.items()} == {"2020-04-28": second}
    assert source.other_days == second and workload.requests == first


def test_day_picks_one_day_and_a_day_outside_the_log_lists_those_it_has(tmp_path):
    path, first, second = _two_days(tmp_path)
    workload = derive([path], LogFormat.AUTO, DEFAULT_ROUTES, session_gap_s=600, day="2020-04-28")
    assert workload.sessions == 10 and workload.requests == second
    assert workload.open_sessions.max() == pytest.approx(10, abs=1)
    assert 9 * 3600 <= workload.start_s < 9.1 * 3600  # the 28th's own clock, from its midnight
    with pytest.raises(
        LogError, match=rf"no request on 2020-05-01 .*2020-04-27 \({first:,}\), 2020-04-28"
    ):
        derive([path], LogFormat.AUTO, DEFAULT_ROUTES, day="2020-05-01")
    with pytest.raises(LogError, match="--day 27/04/2020: not a date"):
        derive([path], LogFormat.AUTO, DEFAULT_ROUTES, day="27/04/2020")


@pytest.mark.parametrize("tz", ["+07:00", "Asia/Ho_Chi_Minh"])
def test_tz_puts_the_log_on_a_local_clock(tmp_path, tz):
    """The log says +0000 at 09:00; on Vietnam's clock that is 16:00."""
    path = write_log(tmp_path / "access.log", users=20, minutes=30)
    utc = derive([path], LogFormat.AUTO, DEFAULT_ROUTES)
    local = derive([path], LogFormat.AUTO, DEFAULT_ROUTES, tz=tz)
    assert local.start_s - utc.start_s == 7 * 3600
    assert np.array_equal(local.open_sessions, utc.open_sessions)
    assert "the log's own offset, +00:00" in utc.source.clock.describe()
    assert local.source.clock.describe() == f"{'UTC+07:00' if ':' in tz else tz} (--tz {tz})"
    with pytest.raises(LogError, match="--tz Mars/Olympus: neither an IANA time zone"):
        derive([path], LogFormat.AUTO, DEFAULT_ROUTES, tz="Mars/Olympus")


def test_a_session_that_crosses_midnight_is_cut_there(tmp_path):
    """Unit 7 works from 23:50 to 00:10: the 27th keeps what came before midnight, the
    28th what came after, each a session of its own day."""
    requests = [("get_statements", 86_400 - 600 + 20 * i + i % 3, 0.5) for i in range(60)]
    path = _one_user(tmp_path / "access.log", requests)
    before = derive([path], LogFormat.NGINX, DEFAULT_ROUTES, day="2020-04-27")
    after = derive([path], LogFormat.NGINX, DEFAULT_ROUTES, day="2020-04-28")
    assert before.requests == 30 and after.requests == 30
    assert before.sessions == after.sessions == 1
    assert before.end_s == 86_400 and after.start_s == 0


def test_the_same_log_gives_the_same_figures_every_run(tmp_path, monkeypatch):
    """Response times are sampled once a transaction has more than the sample holds;
    the samples share one generator, so they must draw in the same order every run."""
    from peakload.measure.access_log import sessions
    from tests.peakload.measure.access_log.truth import generate, write

    monkeypatch.setattr(sessions, "SAMPLE_CAPACITY", 200)  # 20 per transaction: sampled
    frame, _ = generate(users=200, think_mean_s=30.0, seed=3)
    path = write(tmp_path / "access.log", frame, "combined-usec")
    runs = [derive([path], LogFormat.AUTO, None, batch_lines=2000) for _ in range(4)]
    figures = [{n: (t.p50_s, t.p95_s) for n, t in w.transactions.items()} for w in runs]
    assert all(f == figures[0] for f in figures[1:])

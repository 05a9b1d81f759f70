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
    workload = derive([path], LogFormat.COMBINED, DEFAULT_ROUTES, session_gap_s=600)
    assert workload.think_time.mean_s == pytest.approx(20.0, rel=0.08)


def test_bad_lines_over_one_percent_are_refused_with_an_example(tmp_path):
    path = write_log(tmp_path / "access.log", users=5, minutes=5)
    lines = path.read_text().splitlines()
    lines[3] = "this is not a log line"
    lines[7] = "nor this"
    path.write_text("\n".join(lines[:150]) + "\n")
    with pytest.raises(LogError, match=r"do not parse.*'this is not a log line'"):
        derive([path], LogFormat.COMBINED, DEFAULT_ROUTES)


def test_a_few_bad_lines_are_counted_and_skipped(tmp_path):
    path = write_log(tmp_path / "access.log", users=20, minutes=20)
    path.write_text(path.read_text() + "garbage\n")
    workload = derive([path], LogFormat.COMBINED, DEFAULT_ROUTES)
    assert workload.lines.bad == 1 and workload.lines.first_bad == "garbage"


def test_empty_log_and_no_session_are_refused(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_text("")
    with pytest.raises(LogError, match="empty log"):
        derive([empty], LogFormat.COMBINED, DEFAULT_ROUTES)
    unknown = tmp_path / "unknown.log"
    unknown.write_text(
        '127.0.0.1 - 7 [27/Apr/2020:09:00:00 +0000] "GET /elsewhere/42 HTTP/1.1" '
        '200 1 "-" "x" 0.010\n'
    )
    with pytest.raises(LogError, match="no session"):
        derive([unknown], LogFormat.COMBINED, DEFAULT_ROUTES)


def test_unknown_routes_are_counted_per_pattern(tmp_path):
    path = write_log(tmp_path / "access.log", users=10, minutes=10)
    extra = (
        '127.0.0.1 - 7 [27/Apr/2020:09:01:00 +0000] "GET /api/v2/things/{n} HTTP/1.1" '
        '200 1 "-" "x" 0.010\n'
    )
    path.write_text(path.read_text() + "".join(extra.format(n=n) for n in range(3)))
    workload = derive([path], LogFormat.COMBINED, DEFAULT_ROUTES)
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
    workload = derive([path], LogFormat.COMBINED, DEFAULT_ROUTES)
    gaps = np.array([9.0] + [9.5] * 11)  # the statements come every 10 s, each takes 0.5
    assert workload.think_time.count == len(gaps)
    assert workload.think_time.mean_s == pytest.approx(gaps.mean())


def test_logs_out_of_time_order_are_refused_not_merged(tmp_path):
    path = write_log(tmp_path / "access.log", users=10, minutes=60)
    lines = path.read_text().splitlines(keepends=True)
    early, late = tmp_path / "early.log", tmp_path / "late.log"
    early.write_text("".join(lines[: len(lines) // 2]))
    late.write_text("".join(lines[len(lines) // 2 :]))
    assert derive([early, late], LogFormat.COMBINED, DEFAULT_ROUTES).sessions == 10
    with pytest.raises(LogError, match=r"early.log: .* not in time order"):
        derive([late, early], LogFormat.COMBINED, DEFAULT_ROUTES)


def test_a_log_that_runs_to_midnight_keeps_its_profile_inside_the_day(tmp_path):
    requests = [("get_statements", 86_340 + 5 * i, 0.2) for i in range(12)]
    requests[-1] = ("get_statements", 86_399.5, 0.5)  # ends at 24:00:00.000
    path = _one_user(tmp_path / "access.log", requests)
    # One path every 5 s is a periodic client: kept here, the day's edge is the point.
    workload = derive([path], LogFormat.COMBINED, DEFAULT_ROUTES, keep_bots=True)
    assert workload.profile.times.max() <= 86_400
    assert workload.end_s == 86_400

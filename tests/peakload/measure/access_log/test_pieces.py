"""Lines, routes, fitting, simplification and flows, one at a time."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import polars as pl
import pytest

from peakload.measure.access_log.fitting import fit_think_time
from peakload.measure.access_log.flows import derive_flows
from peakload.measure.access_log.lines import LineCounts, LogFormat, read_batches
from peakload.measure.access_log.routes import (
    DEFAULT_ROUTES,
    RouteMapError,
    load_routes,
    name_transactions,
)
from peakload.measure.access_log.sample import Moments, StreamSample
from peakload.measure.access_log.simplify import simplify

COMBINED = (
    '10.0.0.1 - 1000042 [27/Apr/2020:09:15:02 +0700] "POST /api/v1/payment-orders/7/signature '
    'HTTP/1.1" 201 187 "-" "Mozilla/5.0 (X11)" 0.043'
)


def test_combined_line_without_msec(tmp_path):
    path = tmp_path / "a.log"
    path.write_text(COMBINED + "\n")
    counts = LineCounts()
    (frame,) = read_batches(path, LogFormat.AUTO, counts)
    row = frame.row(0, named=True)
    assert row["user"] == "1000042" and row["method"] == "POST" and row["status"] == 201
    assert row["request_time"] == pytest.approx(0.043)
    assert row["end_s"] == pytest.approx(1587953702.0)  # 09:15:02 at +07:00
    assert counts.utc_offset_s == 7 * 3600 and counts.bad == 0


def test_combined_line_with_msec_takes_the_precise_end(tmp_path):
    path = tmp_path / "a.log"
    path.write_text(COMBINED + " 1587953702.417\n")
    (frame,) = read_batches(path, LogFormat.NGINX)
    assert frame["end_s"][0] == pytest.approx(1587953702.417)


def test_jsonl_lines_and_a_bad_one(tmp_path):
    item = {
        "time": 10.5,
        "remote_user": 1000001,
        "method": "GET",
        "path": "/api/v1/dossiers/3",
        "status": 200,
        "request_time": 0.01,
    }
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(item) + "\n{broken\n")
    counts = LineCounts()
    (frame,) = read_batches(path, LogFormat.AUTO, counts)
    assert len(frame) == 1 and frame["user"][0] == "1000001"
    assert counts.bad == 1 and counts.first_bad == "{broken"


def test_default_routes_name_every_transaction():
    paths = [
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/catalog/budget-codes?q=x"),
        ("POST", "/api/v1/payment-orders"),
        ("POST", "/api/v1/payment-orders/1/signature"),
        ("POST", "/api/v1/payment-orders/1/submission"),
        ("GET", "/api/v1/payment-orders/1"),
        ("GET", "/api/v1/payment-orders?status=paid"),
        ("POST", "/api/v1/dossiers"),
        ("GET", "/api/v1/dossiers/2"),
        ("POST", "/api/v1/foreign-loan-records"),
        ("POST", "/api/v1/account-closures"),
        ("GET", "/api/v1/statements?from=a&to=b"),
    ]
    frame = pl.DataFrame({"method": [m for m, _ in paths], "path": [p for _, p in paths]})
    named = name_transactions(frame, DEFAULT_ROUTES)["transaction"].to_list()
    assert named == [r.transaction for r in DEFAULT_ROUTES]


def test_route_file_errors_name_the_key(tmp_path):
    path = tmp_path / "routes.toml"
    path.write_text('[[routes]]\nmethod = "GET"\npath = "^/x$"\n')
    with pytest.raises(RouteMapError, match=r"routes\[0\]: missing 'transaction'"):
        load_routes(path)


def test_fitting_prefers_the_family_that_made_the_data():
    rng = np.random.default_rng(5)
    lognormal = fit_think_time(rng.lognormal(np.log(20), 0.9, 50_000), rng)
    assert lognormal.chosen == "lognormal" and lognormal.ks["lognormal"] < lognormal.ks["gamma"]
    gamma = fit_think_time(rng.gamma(4.0, 5.0, 50_000), rng)
    assert gamma.chosen == "gamma" and gamma.dist["mean"] == pytest.approx(20, rel=0.03)
    bimodal = fit_think_time(
        np.concatenate([rng.normal(2, 0.1, 20_000), rng.normal(60, 1, 20_000)]), rng
    )
    assert bimodal.chosen == "empirical" and len(bimodal.dist["values"]) == 200


def test_simplify_keeps_corners_and_bounds_points():
    t = np.arange(600) * 60.0
    y = np.interp(t, [0, 9000, 18000, 36000], [0, 1000, 1300, 0]) + np.random.default_rng(1).normal(
        0, 5, 600
    )
    result = simplify(t, y, max_points=30)
    assert len(result.times) <= 30
    assert result.max_error < 40
    assert result.values.max() == pytest.approx(1300, abs=30)


def test_flows_split_shared_last_steps_and_count_leftovers():
    transitions = Counter(
        {
            ("a", "b"): 100,
            ("b", "c"): 100,
            ("d", "c"): 50,
            ("c", "a"): 60,
            ("c", "d"): 50,
            ("c", "e"): 40,
            ("e", "a"): 20,
            ("e", "d"): 20,
        }
    )
    mix = Counter({"a": 100, "b": 100, "c": 150, "d": 50, "e": 40})
    flows = {f.steps: f.count for f in derive_flows(transitions, mix)}
    assert flows == {("a", "b", "c"): 100, ("d", "c"): 50, ("e",): 40}


def test_stream_sample_is_uniform_and_bounded():
    sample = StreamSample(1000, np.random.default_rng(2))
    for start in range(0, 100_000, 10_000):
        sample.offer(np.arange(start, start + 10_000))
    assert len(sample.values) == 1000 and sample.seen == 100_000
    assert sample.values.mean() == pytest.approx(50_000, rel=0.06)


def test_a_rare_transaction_is_no_evidence_of_a_flow():
    """Four closures, each followed by a search: too few sightings to link them."""
    transitions = Counter({("a", "b"): 100, ("close", "a"): 4, ("b", "a"): 50, ("b", "close"): 4})
    mix = Counter({"a": 104, "b": 100, "close": 4})
    flows = {f.steps: f.count for f in derive_flows(transitions, mix)}
    assert ("close",) in flows and ("close", "a", "b") not in flows


def test_moments_are_exact_over_every_batch():
    values = np.random.default_rng(3).gamma(2.0, 10.0, 30_000)
    moments = Moments()
    for part in np.array_split(values, 7):
        moments.offer(part)
    assert moments.count == 30_000
    assert moments.mean == pytest.approx(values.mean(), rel=1e-12)
    assert moments.cv == pytest.approx(values.std() / values.mean(), rel=1e-9)


def test_sessions_that_begin_mid_flow_finish_that_flow_not_one_of_their_own():
    """Ten sessions begin at b, in the middle of a > b > c: their b and c are the tail of a
    flow under way, not a flow "b > c" or leftovers."""
    transitions = Counter({("a", "b"): 100, ("b", "c"): 110, ("^", "b"): 10, ("^", "a"): 5})
    mix = Counter({"a": 100, "b": 110, "c": 110})
    flows = {f.steps: f.count for f in derive_flows(transitions, mix)}
    assert flows == {("a", "b", "c"): 100}

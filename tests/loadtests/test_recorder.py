"""The per-request records: the demand deviation an emulating mock's answer carries, and
the user a closed user's context says, and the thinks it logs."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from loadtests.recorder import RequestRecorder, demand_deviation, load_records, load_thinks
from peakload.contract.api import DEMAND_DEVIATION_HEADER


def test_the_answer_s_demand_deviation_is_recorded_and_nan_where_it_has_none(tmp_path):
    recorder = RequestRecorder(["get_payment"])
    mock = SimpleNamespace(status_code=200, headers={DEMAND_DEVIATION_HEADER: "-0.0125"})
    other = SimpleNamespace(status_code=200, headers={})
    recorder.on_request("GET", "get_payment", 40.0, 10, response=mock, start_time=100.0)
    recorder.on_request("GET", "get_payment", 30.0, 10, response=other, start_time=101.0)
    recorder.save(tmp_path / "requests-1.npz")
    records = load_records([tmp_path / "requests-1.npz"])
    assert records["demand_deviation"][0] == -0.0125
    assert math.isnan(records["demand_deviation"][1])
    assert math.isnan(demand_deviation(SimpleNamespace(headers={DEMAND_DEVIATION_HEADER: "x"})))
    assert math.isnan(demand_deviation(None))  # no answer at all


def test_records_written_before_the_deviation_read_as_unknown(tmp_path):
    old = tmp_path / "requests-2.npz"
    np.savez(
        old,
        end=np.array([1.0, 2.0]),
        response=np.array([0.1, 0.2]),
        transaction=np.array([0, 0], dtype=np.int32),
        outcome=np.array([0, 0], dtype=np.int8),
        status=np.array([200, 200], dtype=np.int32),
    )
    records = load_records([old])
    assert np.isnan(records["demand_deviation"]).all()
    assert len(records["demand_deviation"]) == 2
    assert (records["user"] == -1).all()
    assert all(len(v) == 0 for v in load_thinks([old]).values())


def test_a_closed_users_requests_say_its_rank_and_its_thinks_are_logged(tmp_path):
    recorder = RequestRecorder(["get_payment"])
    answer = SimpleNamespace(status_code=200, headers={})
    mine = {"user": 12}
    recorder.on_request("GET", "get_payment", 40.0, 10, answer, start_time=1.0, context=mine)
    recorder.on_request("GET", "get_payment", 40.0, 10, answer, start_time=3.0)  # not ours
    recorder.on_think(1.04, 12, 1.75)
    recorder.on_think(2.5, 7, -0.25)
    recorder.save(tmp_path / "requests-1.npz")
    records = load_records([tmp_path / "requests-1.npz"])
    assert list(records["user"]) == [12, -1]
    thinks = load_thinks([tmp_path / "requests-1.npz"])
    assert list(thinks["think_start"]) == [1.04, 2.5]
    assert list(thinks["think_user"]) == [12, 7]
    assert list(thinks["think_deviation"]) == [1.75, -0.25]

"""The per-request records: the demand deviation an emulating mock's answer carries, and
the user and think deviation a closed user's context says."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from loadtests.recorder import RequestRecorder, demand_deviation, load_records
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
    assert np.isnan(records["think_deviation"]).all()
    assert (records["user"] == -1).all()


def test_a_closed_users_context_gives_its_rank_and_its_thinks_deviation(tmp_path):
    recorder = RequestRecorder(["get_payment"])
    answer = SimpleNamespace(status_code=200, headers={})
    after_think = {"think_deviation": 1.75, "user": 12}
    recorder.on_request("GET", "get_payment", 40.0, 10, answer, start_time=1.0, context=after_think)
    retry = {"think_deviation": math.nan, "user": 12}
    recorder.on_request("GET", "get_payment", 40.0, 10, answer, start_time=2.0, context=retry)
    recorder.on_request("GET", "get_payment", 40.0, 10, answer, start_time=3.0)  # not ours
    recorder.save(tmp_path / "requests-1.npz")
    records = load_records([tmp_path / "requests-1.npz"])
    assert records["think_deviation"][0] == 1.75
    assert np.isnan(records["think_deviation"][1:]).all()
    assert list(records["user"]) == [12, 12, -1]

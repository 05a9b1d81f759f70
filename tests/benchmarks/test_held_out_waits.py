"""benchmarks/held_out_waits.py reads a run's wait back out of its files."""

from __future__ import annotations

import json

import pytest

from benchmarks.held_out_waits import one_run, wait_ratio


def write_run(tmp_path, cost: float) -> float:
    """A calibration and a validation whose means are processor sharing's at the
    measured utilization, each request costing ``cost`` times its calibrated demand;
    returns that utilization."""
    demands = {"search": 0.001, "create": 0.003}
    outside = {"search": 0.0012, "create": 0.002}
    background = 0.05
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "calibration.json").write_text(
        json.dumps(
            {
                "fit": {"stack": {"background": background}},
                "demands": {
                    n: {"stack": {"estimate": d, "ci95": [0.5 * d, 2 * d]}}
                    for n, d in demands.items()
                },
                "outside": {n: {"estimate": o} for n, o in outside.items()},
            }
        )
    )
    predicted = 0.6
    measured = background + cost * (predicted - background)
    rows = [
        {"metric": "tiers.stack.utilization", "predicted": predicted, "measured": measured},
        {"metric": "overall.throughput_rps", "predicted": 100.0, "measured": 100.0},
    ]
    for name, demand in demands.items():
        mean = cost * demand / (1 - measured) + outside[name]
        rows.append({"metric": f"transactions.{name}.mean_s", "measured": mean})
    (tmp_path / "val").mkdir()
    (tmp_path / "val" / "validation.json").write_text(json.dumps({"levels": [{"rows": rows}]}))
    return measured


def test_a_processor_sharing_run_waits_its_share(tmp_path):
    """Scaled to the level's measured cost, each wait is D U / (1 - U)."""
    utilization = write_run(tmp_path, cost=1.2)
    assert utilization == pytest.approx(0.71)  # 0.05 + 1.2 x (0.6 - 0.05)
    found = one_run(tmp_path, "stack", ["search", "create"])
    for name, demand in (("search", 0.001), ("create", 0.003)):
        load, wait, scaled = found[name]
        assert load == pytest.approx(0.71 / 0.29)
        assert scaled == pytest.approx(1.2 * demand)
        assert wait / scaled == pytest.approx(load)
        assert wait_ratio(load, wait, scaled) == pytest.approx(1.0)
        # a wait twice its share reads as 2
        assert wait_ratio(load, 2 * wait, scaled) == pytest.approx(2.0)


def test_the_upper_share_is_the_demand_s_upper_95_end_and_the_wait_the_same(tmp_path):
    """``upper``: the largest share the tour allows (twice the estimate here), the wait
    still the estimate's, so its ratio is half."""
    write_run(tmp_path, cost=1.2)
    estimated = one_run(tmp_path, "stack", ["search"])["search"]
    load, wait, upper = one_run(tmp_path, "stack", ["search"], upper=True)["search"]
    assert upper == pytest.approx(1.2 * 0.002)
    assert wait == pytest.approx(estimated[1])
    assert wait_ratio(load, wait, upper) == pytest.approx(0.5)


def test_a_directory_without_both_files_is_left_out(tmp_path):
    assert one_run(tmp_path, "stack", ["search"]) == {}

"""Sizing with a delay tier and a tier sharing cores: what is sized, what it costs.

A delay is never sized and costs nothing; a tier sharing cores grows by
instances, its workers and cores fixed, held to CPU over its cores. The
arithmetic is checked by hand; one short search (slow) checks the whole answer.
"""

from __future__ import annotations

import json
import math

import pytest
import tomli_w

from peakload.app.size.job import SizeOptions, size
from peakload.core.scenario_file import load_scenario, scenario_from_dict
from simulation.executors import LocalExecutor
from simulation.sizing import Sizer
from simulation.sizing_bounds import Config, analytic_bounds, apply, bottleneck_users, tier_cost
from simulation.sizing_screen import screen

pytestmark = pytest.mark.compute  # simulation only: see pyproject's markers


def scenario(rate: float = 20.0, max_utilization: float = 0.8, window=("00:05", "00:20")):
    """Open at ``rate``: a delay, a pool of 8 workers on 2 cores (0.2 s), a plain db."""
    return scenario_from_dict(
        {
            "scenario": {
                "name": "kinds",
                "seed": 5,
                "start": "00:00",
                "end": window[1],
                "window": list(window),
            },
            "workload": {"kind": "open", "rate": [["00:00", rate]], "timeout_s": 1e5},
            "transactions": [
                {
                    "name": "job",
                    "weight": 1,
                    "demand": {
                        "network": {"dist": "exponential", "mean": 0.005},
                        "app": {"dist": "exponential", "mean": 0.2},
                        "db": {"dist": "exponential", "mean": 0.01},
                    },
                }
            ],
            "tiers": [
                {"name": "network", "kind": "delay"},
                {"name": "app", "instances": 1, "workers": 8, "cores": 2, "cost": 3.0},
                {"name": "db", "instances": 1, "workers": 2},
            ],
            "slo": {"p95_s": 2.0, "max_utilization": max_utilization},
        }
    )


def test_bounds_size_a_shared_tier_by_its_cores_and_leave_a_delay_alone():
    # 20/s x 0.2 s = 4 cores' worth of work; at most 80 % of 2 cores per instance:
    # ceil(4 / 1.6) = 3 instances. db: 20 x 0.01 = 0.2 busy of 2 workers: 1.
    bounds = analytic_bounds(scenario())
    assert bounds.instances == (1, 3, 1)
    assert bounds.workers == (1, 8, 2)
    per_tier = bottleneck_users(scenario(), bounds)
    assert math.isinf(per_tier["network"])
    assert per_tier["app"] == pytest.approx(20.0 * 0.8 / (4.0 / 6))  # 4 cores of 6 busy


def test_a_pool_smaller_than_its_cores_is_bounded_by_the_pool():
    # 1 worker on 2 cores: an instance serves one request at a time whatever the
    # cores: 4 busy workers needed, so 4 instances, not ceil(4 / 1.6) = 3.
    base = scenario()
    tiers = [t.model_copy(update={"workers": 1}) if t.name == "app" else t for t in base.tiers]
    assert analytic_bounds(base.with_tiers(tiers)).instances[1] == 4


def test_the_screen_holds_a_shared_tier_to_cpu_and_gives_a_delay_no_floor():
    found = screen(scenario(), Config((1, 2, 1), (1, 8, 2)))
    assert "network" not in found.utilization_floor
    assert found.utilization_floor["app"] == pytest.approx(4.0 / (2 * 2))  # 100 % of CPU
    assert found.over == ["app"]


def test_apply_keeps_a_delay_as_written_and_a_delay_costs_nothing():
    sized = apply(scenario(), Config((5, 4, 2), (9, 8, 3)))
    network, app, db = sized.tiers
    assert network == scenario().tiers[0]
    assert "instances" not in network.model_dump()
    assert (app.instances, app.workers, app.cores) == (4, 8, 2)
    assert (db.instances, db.workers) == (2, 3)
    assert tier_cost(network) == 0 and tier_cost(app) == 12.0


def test_the_search_sizes_neither_a_delays_instances_nor_a_shared_tiers_pool():
    executor = LocalExecutor(1)
    try:
        sizer = Sizer(scenario(), executor, search_workers=True)
        assert sizer.sized == [1, 2]
        assert sizer.max_workers == (1, 8, 4)  # only the plain db's pool is tuned
        assert sizer.cost(Config((7, 2, 1), (1, 8, 2))) == 2 * 3.0 + 1
        assert sizer._more(Config((1, 2, 1), (1, 8, 2)), 1) == Config((1, 3, 1), (1, 8, 2))
    finally:
        executor.close()


@pytest.mark.slow
def test_size_recommends_instances_of_the_shared_tier_and_lists_the_delay(tmp_path):
    path = tmp_path / "kinds.toml"
    path.write_text(tomli_w.dumps(scenario().model_dump(by_alias=True, exclude_none=True)))
    run = size(SizeOptions(path, replications=3, jobs=2, out=tmp_path, plots=False, n1=False))
    document = json.loads((run.run_dir / "sizing.json").read_text())
    assert document["delays"] == ["network"]
    assert set(document["recommended"]) == {"app", "db"}
    app = document["recommended"]["app"]
    assert (app["workers"], app["cores"]) == (8, 2)
    assert app["instances"] >= 3  # the bound: 80 % of the cores
    assert (
        document["cost"]["recommended"]
        == 3.0 * app["instances"] + (document["recommended"]["db"]["instances"])
    )
    written = load_scenario(run.run_dir / "kinds-sized.toml")
    assert written.tiers[0].is_delay
    assert written.tier("app").instances == app["instances"]
    assert document["slo"]["pass"]

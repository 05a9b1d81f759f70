"""The replication loop frees each replication's model when the replication ends."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from peakload.measure.sketch import DEFAULT_ALPHA
from simulation.model import Model
from simulation.runner import simulate
from tests.factories import exponential, station_scenario


def ten_minutes_at_one_cpu(rate: float):
    """Ten minutes of open arrivals at ``rate`` on one exponential 50 ms server."""
    return station_scenario(
        [{"name": "cpu", "instances": 1, "workers": 1}],
        {"cpu": exponential(0.05)},
        rate=rate,
        end="00:10",
    )


def test_each_replications_model_is_freed_when_it_ends(monkeypatch):
    # A model is a web of references (its users, tiers and streams point back at it),
    # so reference counting alone never frees it: left to the collector, the models of
    # validate's 400 short replications held 2.7 GB until the process ended.
    models: list[weakref.ref[Model]] = []
    build = Model.__init__

    def tracked(self: Model, *args, **kwargs) -> None:
        build(self, *args, **kwargs)
        models.append(weakref.ref(self))

    monkeypatch.setattr(Model, "__init__", tracked)
    gc.collect()
    scenario = ten_minutes_at_one_cpu(rate=5.0)
    result = simulate(scenario, replications=3, jobs=1)
    assert result.summary.replications == 3
    assert len(models) == 3
    assert [ref() is None for ref in models] == [True, True, True]


def test_the_replications_window_sketches_pool_every_simulated_request():
    scenario = ten_minutes_at_one_cpu(rate=10.0)
    result = simulate(scenario, replications=3, jobs=1)
    assert result.sketches is not None
    counted = sum(r.overall.requests for r in result.replications)
    assert result.sketches.overall.count == counted == len(result.latencies)
    pooled = result.sketches.percentiles()
    exact = float(np.percentile(result.latencies.astype(float), 95))
    assert pooled["overall.p95_s"] == pytest.approx(exact, rel=2 * DEFAULT_ALPHA)
    # the combined summary keeps the mean of the replications' own p95s
    mean_of_each = np.mean([r.overall.p95_s for r in result.replications])
    assert result.summary.overall.p95_s == pytest.approx(mean_of_each)

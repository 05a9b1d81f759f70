"""The mock's service times come from the scenario's seed and the run's: a run seed
reproduces its sample, another run seed draws an independent one."""

from __future__ import annotations

import pytest

from mock_server.capacity import Capacity, service_seed
from mock_server.main import create_app
from mock_server.settings import Settings, load_settings
from peakload.core.scenario_file import scenario_from_dict

pytestmark = pytest.mark.anyio

DRAWS = 25


@pytest.fixture
def anyio_backend():
    return "asyncio"


def scenario(seed: int = 11):
    """One transaction through a delay of ~0.1 ms: its visits show the draws quickly."""
    return scenario_from_dict(
        {
            "scenario": {"name": "seeded", "seed": seed},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {
                    "name": "search_budget_codes",
                    "weight": 1,
                    "demand": {"wire": {"dist": "exponential", "mean": 0.0001}},
                }
            ],
            "tiers": [{"name": "wire", "kind": "delay"}],
        }
    )


async def service_times(capacity: Capacity) -> list[float]:
    return [
        visit.demand for _ in range(DRAWS) for visit in await capacity.serve("search_budget_codes")
    ]


async def test_a_run_seed_reproduces_its_service_times_and_another_draws_new_ones():
    first = await service_times(Capacity(scenario(), seed=3))
    again = await service_times(Capacity(scenario(), seed=3))
    other = await service_times(Capacity(scenario(), seed=4))
    assert first == again
    assert len(set(first) & set(other)) == 0  # continuous draws: no value in common


async def test_the_scenario_seed_counts_too_and_no_run_seed_means_the_scenario_seed():
    assert await service_times(Capacity(scenario(11), seed=3)) != await service_times(
        Capacity(scenario(12), seed=3)
    )
    assert await service_times(Capacity(scenario(11))) == await service_times(
        Capacity(scenario(11), seed=11)
    )
    assert service_seed(11, None) == [11, 11]


async def test_the_server_takes_the_run_seed_from_peakload_seed(monkeypatch, tmp_path):
    # How the load-test runner hands the mock its run seed (loadtests/runner.py).
    monkeypatch.setenv("PEAKLOAD_SEED", "4")
    settings = load_settings(db=f"sqlite:///{tmp_path / 'mock.db'}")
    assert settings.seed == 4
    served = await service_times(create_app(settings, scenario()).state.capacity)
    assert served == await service_times(Capacity(scenario(), seed=4))
    monkeypatch.delenv("PEAKLOAD_SEED")
    assert Settings(db=f"sqlite:///{tmp_path / 'mock.db'}").seed is None  # plain `serve`

"""A delay tier holds every request for its demand at once: no slot, no queue, no refusal."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mock_server.delay import DelayTier
from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.core.scenario_file import scenario_from_dict
from peakload.core.units import unit_password

pytestmark = pytest.mark.anyio

HELD = 40


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_every_request_is_held_at_once_for_its_own_demand():
    delay = DelayTier("network")
    most = 0

    async def watch() -> None:
        nonlocal most
        while True:
            most = max(most, delay.holding)
            await asyncio.sleep(0)

    watcher = asyncio.ensure_future(watch())
    demands = [0.02 + 0.001 * i for i in range(HELD)]
    visits = await asyncio.gather(*(delay.serve(d) for d in demands))
    ended = delay.clock()
    watcher.cancel()
    assert most == HELD  # all held together: none waited for another
    assert all(
        v.response_s == pytest.approx(d, abs=1e-9)  # (arrived + d) - arrived, in floats
        for v, d in zip(visits, demands, strict=True)
    )
    assert ended >= max(v.finished for v in visits)  # each was really held to its end
    assert delay.completions == HELD and delay.holding == 0
    assert delay.held_seconds == pytest.approx(sum(demands))


def delay_scenario():
    return scenario_from_dict(
        {
            "scenario": {"name": "delay"},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {
                    "name": "search_budget_codes",
                    "weight": 1,
                    "demand": {
                        "app": {"dist": "deterministic", "value": 0.001},
                        "network": {"dist": "deterministic", "value": 0.1},
                    },
                }
            ],
            "tiers": [
                {"name": "app", "instances": 1, "workers": 2, "cores": 1},
                {"name": "network", "kind": "delay"},
            ],
        }
    )


async def test_through_the_app_the_delay_adds_its_demand_and_reports_no_capacity(tmp_path):
    settings = Settings(db=f"sqlite:///{tmp_path / 'mock.db'}", units=2_000)
    app = create_app(settings, delay_scenario())
    most = 0
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            password = unit_password(settings.unit_secret, 1000001)
            token = (
                await client.post(
                    "/api/v1/auth/token", json={"unit_code": "1000001", "password": password}
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            async def timed() -> float:
                started = asyncio.get_running_loop().time()
                answer = await client.get("/api/v1/catalog/budget-codes", headers=headers)
                assert answer.status_code == 200
                return asyncio.get_running_loop().time() - started

            async def watch() -> None:
                nonlocal most
                while True:
                    most = max(most, app.state.capacity.delays["network"].holding)
                    await asyncio.sleep(0.005)

            watcher = asyncio.ensure_future(watch())
            responses = await asyncio.gather(*(timed() for _ in range(HELD)))
            watcher.cancel()
            admin = {"Authorization": f"Bearer {settings.admin_token}"}
            stats = (await client.get("/admin/stats", headers=admin)).json()
            metrics = (await client.get("/metrics")).text
    # Two workers on the app tier make requests wait there, one by one, but the delay
    # after it holds every one that got through: it never makes one wait for another.
    assert most >= 5
    assert min(responses) >= 0.1  # each took at least the delay's demand
    assert stats["delays"] == {
        "network": {"completions": HELD, "held_seconds": pytest.approx(4.0), "holding": 0}
    }
    assert set(stats["tiers"]) == {"app"}  # a delay has no servers, no busy figure
    assert stats["tiers"]["app"]["cores"] == 1
    assert stats["tiers"]["app"]["busy_seconds"] == pytest.approx(HELD * 0.001)
    assert 'peakload_delay_held_seconds_total{tier="network"} 4.0' in metrics
    assert f'peakload_delay_completions_total{{tier="network"}} {HELD}.0' in metrics
    assert 'tier="network"' not in "".join(
        line for line in metrics.splitlines() if line.startswith("peakload_tier_")
    )
    assert 'peakload_tier_cores{tier="app"} 1.0' in metrics

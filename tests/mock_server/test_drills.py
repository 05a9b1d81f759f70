"""Failure drills on the mock: tiers lose and regain slots on the scenario clock."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from mock_server.capacity import TierPool
from mock_server.drills import ScenarioClock
from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.core.scenario_file import scenario_from_dict

pytestmark = [pytest.mark.anyio, pytest.mark.load, pytest.mark.untimed]  # slot counts
NINE = 9 * 3600.0


@pytest.fixture
def anyio_backend():
    return "asyncio"


def drilled():
    return scenario_from_dict(
        {
            "scenario": {"name": "drill"},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {
                    "name": "search_budget_codes",
                    "weight": 1,
                    "demand": {"app": {"dist": "deterministic", "value": 0.01}},
                }
            ],
            "tiers": [{"name": "app", "instances": 2, "workers": 2}],
            "failures": [{"tier": "app", "start": "09:07", "end": "09:13"}],
        }
    )


async def test_lost_slots_go_as_their_requests_finish_and_come_back_to_the_queue():
    pool = TierPool("app", servers=4, queue_limit=None)
    for _ in range(4):
        await pool.acquire(0.0)
    waiters = [asyncio.ensure_future(pool.acquire(0.0)) for _ in range(2)]
    await asyncio.sleep(0)
    pool.resize(2)  # an instance of 2 workers goes down with 4 requests in service
    assert (pool.servers, pool.lost, pool.busy) == (2, 2, 4)
    pool.release(0.0)
    pool.release(0.0)  # the two finishing past the new size take their slots with them
    assert pool.busy == 2 and not any(w.done() for w in waiters)
    pool.release(0.0)  # within the size: handed to the longest-waiting request
    await asyncio.sleep(0)
    assert waiters[0].done() and not waiters[1].done() and pool.busy == 2
    pool.resize(4)  # the instance is back: the next in line starts at once
    await asyncio.sleep(0)
    assert waiters[1].done() and pool.busy == 3 and pool.lost == 0


def test_the_scenario_clock_of_a_load_test_and_of_a_plain_server():
    run = ScenarioClock(start_s=NINE, origin=1_000.0, compress=4.0)
    assert run.now(1_015.0) == NINE + 60.0
    assert ScenarioClock(start_s=NINE).now(1_015.0) is None  # the clock has not started
    local = time.localtime(1_015.0)
    assert ScenarioClock().now(1_015.0) == pytest.approx(
        local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec
    )


async def test_the_runner_starts_the_clock_and_the_drill_follows_it(tmp_path):
    settings = Settings(
        db=f"sqlite:///{tmp_path / 'mock.db'}", units=100, clock_start_s=NINE, clock_compress=4.0
    )
    app = create_app(settings, drilled())
    admin = {"Authorization": f"Bearer {DEV_ADMIN_TOKEN}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:

            async def app_tier() -> dict:
                return (await client.get("/admin/stats", headers=admin)).json()["tiers"]["app"]

            assert (await app_tier())["servers"] == 4  # sign-in phase: no clock, no drill
            now = time.time()
            for start_s, servers, lost in ((NINE + 7.5 * 60, 2, 2), (NINE + 14 * 60, 4, 0)):
                body = {"origin": now, "start_s": start_s, "compress": 4.0}
                answer = await client.put("/admin/clock", json=body, headers=admin)
                assert answer.status_code == 200
                assert answer.json()["clock_s"] == pytest.approx(start_s, abs=30)
                tier = await app_tier()
                assert (tier["servers"], tier["lost"]) == (servers, lost)
            refused = await client.put(
                "/admin/clock", json={"origin": now, "start_s": 0, "compress": 1}
            )
            assert refused.status_code in (401, 403)

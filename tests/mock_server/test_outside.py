"""The mock's own time outside its tiers: each answered request's time in the app less
its wait and hold at the emulated tiers, counted per transaction on ``/metrics``."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from loadtests.monitor import parse_outside
from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.contract.api import DEMAND_DEVIATION_HEADER
from peakload.core.scenario_file import scenario_from_dict
from peakload.core.units import unit_password

pytestmark = [pytest.mark.anyio, pytest.mark.load]

HOLD_S = 0.1


@pytest.fixture
def anyio_backend():
    return "asyncio"


def slow_catalog():
    """One tier of 4 slots that holds a catalog search 0.1 s; sign-in is not emulated."""
    return one_app_tier(
        "outside", {"search_budget_codes": {"dist": "deterministic", "value": HOLD_S}}, workers=4
    )


def one_app_tier(name: str, demands: dict[str, dict], workers: int):
    """A scenario of one ``app`` tier of ``workers`` slots, each transaction's demand there."""
    return scenario_from_dict(
        {
            "scenario": {"name": name},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {"name": txn, "weight": 1, "demand": {"app": demand}}
                for txn, demand in demands.items()
            ],
            "tiers": [{"name": "app", "instances": 1, "workers": workers}],
        }
    )


async def test_the_outside_time_leaves_out_the_wait_and_hold_at_the_tiers(tmp_path):
    settings = Settings(db=f"sqlite:///{tmp_path / 'mock.db'}", units=2_000)
    app = create_app(settings, slow_catalog())
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

            async def search() -> float:
                started = time.perf_counter()
                answer = await client.get("/api/v1/catalog/budget-codes", headers=headers)
                assert answer.status_code == 200
                return time.perf_counter() - started

            # 12 at once on 4 slots: three rounds, so most wait as well as hold.
            responses = await asyncio.gather(*(search() for _ in range(12)))
            page = (await client.get("/metrics")).text
    outside = parse_outside(page)
    seconds, requests = outside["search_budget_codes"]
    assert requests == 12
    assert 'peakload_outside_requests_total{transaction="search_budget_codes"} 12.0' in page
    mean_response = sum(responses) / len(responses)
    # Rounds of 0.1, 0.2 and 0.3 s: a mean of 0.2 s, less the sleeps' timer slack.
    assert mean_response >= 1.9 * HOLD_S  # a third waited two rounds, a third one
    # What is left once the wait and the hold are taken out is the app's own time:
    # far below one hold, and never negative.
    assert 0 < seconds / requests < HOLD_S / 4
    assert outside["login"][1] == 1  # sign-in counted too, with no tier to take out
    assert "metrics" not in outside  # operations pass through no transaction


async def test_each_answer_says_how_far_its_drawn_demand_fell_from_the_mean(tmp_path):
    """The header validate's control variate reads: the drawn demand less its mean.
    Each request held its tier for its draw, so its response is at least the draw."""
    mean_s = 0.02
    scenario = one_app_tier(
        "draws",
        {
            "search_budget_codes": {"dist": "exponential", "mean": mean_s},
            "get_payment": {"dist": "deterministic", "value": 0.001},
        },
        workers=64,
    )
    settings = Settings(db=f"sqlite:///{tmp_path / 'mock.db'}", units=2_000)
    app = create_app(settings, scenario)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            password = unit_password(settings.unit_secret, 1000001)
            signed_in = await client.post(
                "/api/v1/auth/token", json={"unit_code": "1000001", "password": password}
            )
            headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

            async def search() -> tuple[float, float]:
                started = time.perf_counter()
                answer = await client.get("/api/v1/catalog/budget-codes", headers=headers)
                assert answer.status_code == 200
                elapsed = time.perf_counter() - started
                return elapsed, float(answer.headers[DEMAND_DEVIATION_HEADER])

            answers = await asyncio.gather(*(search() for _ in range(40)))
            # An order that does not exist: 404, after its tiers drew its demand.
            missing = await client.get("/api/v1/payment-orders/999999", headers=headers)
    assert missing.status_code == 404
    assert float(missing.headers[DEMAND_DEVIATION_HEADER]) == 0.0  # a fixed demand
    assert DEMAND_DEVIATION_HEADER not in signed_in.headers  # sign-in is not emulated here
    deviations = [deviation for _, deviation in answers]
    assert len(set(deviations)) == len(deviations)  # each request its own draw
    for elapsed, deviation in answers:
        drawn = mean_s + deviation
        assert drawn > 0
        assert elapsed >= drawn - 1e-3  # held for its draw (the timer's resolution)


async def test_each_tier_counts_how_far_its_served_draws_fell_from_their_means():
    """Busy seconds less the tier's deviation are exactly what the visits were expected
    to bring: requests x the mean demand, whatever the draws were."""
    from mock_server.capacity import Capacity

    mean_s = 0.002
    scenario = one_app_tier(
        "drawn", {"search_budget_codes": {"dist": "exponential", "mean": mean_s}}, workers=8
    )
    capacity = Capacity(scenario, seed=3)
    await asyncio.gather(*(capacity.serve("search_budget_codes") for _ in range(200)))
    (stats,) = capacity.stats().values()
    assert stats["completions"] == 200
    assert stats["deviation_seconds"] != 0.0  # the draws' luck (sd 28 ms over these 200)
    assert stats["busy_seconds"] - stats["deviation_seconds"] == pytest.approx(200 * mean_s)

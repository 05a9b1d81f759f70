"""Fixtures: an app on a fresh SQLite file per test, and signed-in units."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.contract.api import TRANSACTIONS
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import scenario_from_dict
from peakload.core.units import unit_password

UNIT_A, UNIT_B = 1_000_001, 1_000_002


def quick_scenario(
    accept_after_s: float = 0.05,
    pay_after_s: float = 0.05,
    reject_rate: float = 0.0,
    **tier: object,
) -> Scenario:
    """Every route emulated through one fast tier; expenditure control in milliseconds."""
    demand = {"app": {"dist": "deterministic", "value": 0.001}}
    return scenario_from_dict(
        {
            "scenario": {"name": "api-test"},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {"name": n, "demand": demand} | ({} if n == "login" else {"weight": 1})
                for n in TRANSACTIONS
            ],
            "tiers": [{"name": "app", "instances": 1, "workers": 8, **tier}],
            "service": {
                "accept_after_s": accept_after_s,
                "pay_after_s": pay_after_s,
                "reject_rate": reject_rate,
            },
        }
    )


@pytest.fixture
def settings(db_url) -> Settings:
    """A small server on each database in turn (``db_url``: SQLite, then PostgreSQL)."""
    return Settings(db=db_url, units=2_000, control_interval_s=0.02)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, quick_scenario())) as test_client:
        yield test_client


def sign_in(client: TestClient, settings: Settings, unit_code: int) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token",
        json={
            "unit_code": str(unit_code),
            "password": unit_password(settings.unit_secret, unit_code),
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def unit_a(client, settings) -> dict[str, str]:
    return sign_in(client, settings, UNIT_A)


@pytest.fixture
def unit_b(client, settings) -> dict[str, str]:
    return sign_in(client, settings, UNIT_B)


@pytest.fixture
def admin(settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.admin_token}"}


ORDER = {
    "amount": 12_500_000,
    "budget_code": "6501",
    "payee_name": "Tổng công ty Điện lực Hà Nội",
    "payee_account": "1200100112233",
    "content": "Thanh toán tiền điện tháng 4/2020",
}
SIGNATURE = {
    "signature": "TUlJQ2RqQ0NBZCtnQXdJQkFnSUJBREFOQmdrcWhr",
    "certificate_serial": "54A1F0",
}


def draft_signed_order(client: TestClient, headers: dict[str, str], **changes) -> dict:
    order = client.post("/api/v1/payment-orders", json={**ORDER, **changes}, headers=headers)
    assert order.status_code == 201, order.text
    signed = client.post(
        f"/api/v1/payment-orders/{order.json()['id']}/signature", json=SIGNATURE, headers=headers
    )
    assert signed.status_code == 200, signed.text
    return signed.json()


API = "/api/v1"


def wait_for_status(client, headers, order_id, wanted, timeout_s=5.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        order = client.get(f"{API}/payment-orders/{order_id}", headers=headers).json()
        if order["status"] == wanted:
            return order
        time.sleep(0.02)
    raise AssertionError(f"order {order_id} still {order['status']}, wanted {wanted}")

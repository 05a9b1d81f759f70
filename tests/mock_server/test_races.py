"""Races on the real server process, on SQLite and on PostgreSQL: 200 submissions
of one order with one Idempotency-Key make exactly one submission."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from loadtests.mock_process import MockServer
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.core.units import DEV_UNIT_SECRET, unit_password
from tests.mock_server.conftest import ORDER, SIGNATURE

pytestmark = [pytest.mark.slow, pytest.mark.load, pytest.mark.untimed]  # counts of answers

UNIT = 1_000_003
CONCURRENT = 200


def test_200_concurrent_submissions_with_one_key_make_one_submission(tmp_path, db_url):
    env = {"PEAKLOAD_UNITS": "10", "PEAKLOAD_CONTROL_INTERVAL_S": "3600"}  # no payment yet
    with MockServer(None, tmp_path / "mock.db", env=env, db_url=db_url) as server:
        api = f"{server.url}/api/v1"
        token = requests.post(
            f"{api}/auth/token",
            json={"unit_code": str(UNIT), "password": unit_password(DEV_UNIT_SECRET, UNIT)},
            timeout=10,
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        order = requests.post(f"{api}/payment-orders", json=ORDER, headers=auth, timeout=10)
        order_id = order.json()["id"]
        signed = requests.post(
            f"{api}/payment-orders/{order_id}/signature", json=SIGNATURE, headers=auth, timeout=10
        )
        assert signed.status_code == 200, signed.text

        def submit(_: int) -> requests.Response:
            return requests.post(
                f"{api}/payment-orders/{order_id}/submission",
                headers={**auth, "Idempotency-Key": "one-key-for-all"},
                timeout=60,
            )

        with ThreadPoolExecutor(CONCURRENT) as pool:
            answers = list(pool.map(submit, range(CONCURRENT)))
        statuses = [a.status_code for a in answers]
        assert all(s < 500 or s == 503 for s in statuses), statuses  # nothing but a full tier
        ok = [a for a in answers if 200 <= a.status_code < 300]
        assert ok, statuses
        assert {a.json()["id"] for a in ok} == {order_id}
        assert len({a.json()["submitted_at"] for a in ok}) == 1  # one submission, replayed
        assert sum(a.headers.get("Idempotent-Replayed") != "true" for a in ok) == 1
        stats = requests.get(
            f"{server.url}/admin/stats",
            headers={"Authorization": f"Bearer {DEV_ADMIN_TOKEN}"},
            timeout=10,
        ).json()["records"]["payment_orders"]
        assert stats == {"submitted": 1}

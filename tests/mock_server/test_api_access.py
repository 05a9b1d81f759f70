"""Who may see what: unit isolation, the admin token, sign-in rules, token expiry."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.core.units import unit_password
from tests.mock_server.conftest import (
    API,
    SIGNATURE,
    UNIT_A,
    draft_signed_order,
    sign_in,
)


def test_a_unit_never_sees_another_units_records(client, unit_a, unit_b):
    order = draft_signed_order(client, unit_a)
    dossier = client.post(
        f"{API}/dossiers",
        headers=unit_a,
        json={
            "dossier_type": "expenditure_control",
            "title": "Hồ sơ tạm ứng",
            "attachments": [{"file_name": "hop-dong.pdf", "size_bytes": 1200, "sha256": "a" * 64}],
        },
    ).json()
    oid = order["id"]
    assert client.get(f"{API}/payment-orders/{oid}", headers=unit_b).status_code == 404
    assert (
        client.post(
            f"{API}/payment-orders/{oid}/signature", json=SIGNATURE, headers=unit_b
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{API}/payment-orders/{oid}/submission", headers={**unit_b, "Idempotency-Key": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"{API}/dossiers/{dossier['id']}", headers=unit_b).status_code == 404
    assert client.get(f"{API}/payment-orders", headers=unit_b).json()["total"] == 0
    # Unit B cannot attach unit A's order to its own dossier either.
    attach = client.post(
        f"{API}/dossiers",
        headers=unit_b,
        json={
            "dossier_type": "advance",
            "title": "x",
            "payment_order_id": oid,
            "attachments": [{"file_name": "a.pdf", "size_bytes": 1, "sha256": "b" * 64}],
        },
    )
    assert attach.status_code == 422
    # The owner still sees everything.
    assert client.get(f"{API}/payment-orders/{oid}", headers=unit_a).status_code == 200


def test_admin_routes_need_the_admin_token(client, unit_a, admin):
    assert client.get("/admin/stats").status_code == 401
    assert client.get("/admin/stats", headers=unit_a).status_code == 403
    stats = client.get("/admin/stats", headers=admin)
    assert stats.status_code == 200
    body = stats.json()
    assert body["records"]["units"]["all"] == 2_000
    assert body["tiers"]["app"]["servers"] == 8
    assert body["tiers"]["app"]["completions"] >= 1  # the sign-in passed through it


def test_sign_in_rules(client, settings):
    wrong = client.post(f"{API}/auth/token", json={"unit_code": "1000001", "password": "x" * 16})
    assert wrong.status_code == 401
    unknown = client.post(
        f"{API}/auth/token",
        json={"unit_code": "1999999", "password": unit_password(settings.unit_secret, 1_999_999)},
    )
    assert unknown.status_code == 401
    assert client.get(f"{API}/payment-orders").status_code == 401
    forged = {"Authorization": "Bearer 1000001.9999999999.AAAAAAAAAAAAAAAAAAAAAAAA"}
    assert client.get(f"{API}/payment-orders", headers=forged).status_code == 401


def test_tokens_expire(tmp_path):
    settings = Settings(db=f"sqlite:///{tmp_path / 'm.db'}", units=10, token_ttl_s=2.0)
    with TestClient(create_app(settings, None)) as client:
        headers = sign_in(client, settings, UNIT_A)
        assert client.get(f"{API}/payment-orders", headers=headers).status_code == 200
        expires = int(headers["Authorization"].split(".")[1])  # whole seconds, rounded up
        time.sleep(max(0.0, expires - time.time()) + 0.05)
        expired = client.get(f"{API}/payment-orders", headers=headers)
        assert expired.status_code == 401
        assert expired.json()["detail"] == "token expired"

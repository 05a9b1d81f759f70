"""The domain API as a unit and an operator use it: the payment flow, idempotency, metrics."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from mock_server.main import create_app
from tests.mock_server.conftest import (
    API,
    ORDER,
    SIGNATURE,
    UNIT_A,
    draft_signed_order,
    quick_scenario,
    sign_in,
    wait_for_status,
)


def test_full_payment_flow(client, unit_a):
    codes = client.get(f"{API}/catalog/budget-codes", params={"q": "dien"}, headers=unit_a)
    assert codes.status_code == 200
    assert "6501" in [c["code"] for c in codes.json()]  # "tiền điện" found without accents

    draft = client.post(f"{API}/payment-orders", json=ORDER, headers=unit_a)
    assert draft.status_code == 201
    order = draft.json()
    assert order["status"] == "draft" and order["unit_code"] == str(UNIT_A)
    assert order["payer_account"] == f"8113.{UNIT_A}"

    signed = client.post(
        f"{API}/payment-orders/{order['id']}/signature", json=SIGNATURE, headers=unit_a
    )
    assert signed.json()["status"] == "signed" and signed.json()["signed_at"]

    submitted = client.post(
        f"{API}/payment-orders/{order['id']}/submission",
        headers={**unit_a, "Idempotency-Key": "pay-1"},
    )
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert "Idempotent-Replayed" not in submitted.headers

    paid = wait_for_status(client, unit_a, order["id"], "paid")
    assert paid["decided_at"] <= paid["paid_at"]
    listed = client.get(f"{API}/payment-orders", params={"status": "paid"}, headers=unit_a)
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]

    today = time.strftime("%Y-%m-%d", time.gmtime())
    statement = client.get(
        f"{API}/statements", params={"from": today, "to": today}, headers=unit_a
    ).json()
    assert statement["count"] == 1 and statement["total_amount"] == ORDER["amount"]
    assert statement["entries"][0]["payment_order_id"] == order["id"]


def test_control_rejects_with_a_reason(settings):
    with TestClient(create_app(settings, quick_scenario(reject_rate=1.0))) as client:
        headers = sign_in(client, settings, UNIT_A)
        order = draft_signed_order(client, headers)
        client.post(
            f"{API}/payment-orders/{order['id']}/submission",
            headers={**headers, "Idempotency-Key": "k"},
        )
        rejected = wait_for_status(client, headers, order["id"], "rejected")
        assert rejected["rejection_reason"]
        assert rejected["paid_at"] is None


def test_idempotent_resubmission_returns_the_same_order(client, unit_a, admin):
    order = draft_signed_order(client, unit_a)
    url = f"{API}/payment-orders/{order['id']}/submission"
    first = client.post(url, headers={**unit_a, "Idempotency-Key": "retry-me"})
    again = client.post(url, headers={**unit_a, "Idempotency-Key": "retry-me"})
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["submitted_at"] == first.json()["submitted_at"]
    # A different key cannot submit it a second time.
    other_key = client.post(url, headers={**unit_a, "Idempotency-Key": "another"})
    assert other_key.status_code == 409
    # The same key can never submit a second order.
    second = draft_signed_order(client, unit_a)
    reused = client.post(
        f"{API}/payment-orders/{second['id']}/submission",
        headers={**unit_a, "Idempotency-Key": "retry-me"},
    )
    assert reused.status_code == 422
    assert reused.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    assert f"order {order['id']}" in reused.json()["detail"][0]["msg"]
    counts = client.get("/admin/stats", headers=admin).json()["records"]["payment_orders"]
    assert counts.get("signed") == 1  # the second order was not submitted
    assert sum(counts.values()) == 2


@pytest.mark.parametrize(
    ("path", "body", "record_type"),
    [
        ("/payment-orders", ORDER, "payment_orders"),
        (
            "/dossiers",
            {
                "dossier_type": "advance",
                "title": "t",
                "attachments": [{"file_name": "a.pdf", "size_bytes": 1, "sha256": "d" * 64}],
            },
            "dossiers",
        ),
        (
            "/foreign-loan-records",
            {
                "kind": "revenue",
                "loan_agreement": "ADB-1",
                "donor": "ADB",
                "amount": 5,
                "currency": "USD",
                "budget_code": "6501",
                "value_date": "2020-04-30",
            },
            "foreign_loan_records",
        ),
        (
            "/account-closures",
            {"account_number": f"3712.{UNIT_A}", "reason": "done"},
            "account_closures",
        ),
    ],
)
def test_a_retried_create_with_its_key_makes_no_second_record(
    client, unit_a, admin, path, body, record_type
):
    headers = {**unit_a, "Idempotency-Key": "create-1"}
    first = client.post(f"{API}{path}", json=body, headers=headers)
    retry = client.post(f"{API}{path}", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    other = client.post(f"{API}{path}", json=body, headers={**unit_a, "Idempotency-Key": "c2"})
    counts = client.get("/admin/stats", headers=admin).json()["records"][record_type]
    if record_type == "account_closures":
        assert other.status_code == 409  # closed already: a new key is a new request
        assert sum(counts.values()) == 1
    else:
        assert other.status_code == 201
        assert sum(counts.values()) == 2


def test_submission_needs_an_idempotency_key(client, unit_a):
    order = draft_signed_order(client, unit_a)
    response = client.post(f"{API}/payment-orders/{order['id']}/submission", headers=unit_a)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "idempotency-key"]


def test_metrics_count_requests_by_route_and_status(client, unit_a):
    client.get(f"{API}/payment-orders/777", headers=unit_a)
    text = client.get("/metrics").text
    assert 'peakload_requests_total{method="GET",route="get_payment",status="404"} 1.0' in text
    assert 'peakload_tier_servers{tier="app"} 8.0' in text


def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["scenario"] == "api-test" and body["emulating"]

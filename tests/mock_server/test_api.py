"""The domain API as a budget unit and an operator use it."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.core.units import unit_password
from tests.mock_server.conftest import (
    ORDER,
    SIGNATURE,
    UNIT_A,
    draft_signed_order,
    quick_scenario,
    sign_in,
)

API = "/api/v1"


def wait_for_status(client, headers, order_id, wanted, timeout_s=5.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        order = client.get(f"{API}/payment-orders/{order_id}", headers=headers).json()
        if order["status"] == wanted:
            return order
        time.sleep(0.02)
    raise AssertionError(f"order {order_id} still {order['status']}, wanted {wanted}")


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


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/payment-orders", {**ORDER, "amount": 0}, ["body", "amount"]),
        ("/payment-orders", {**ORDER, "amount": 10**14}, ["body", "amount"]),
        ("/payment-orders", {**ORDER, "budget_code": "1234"}, ["body", "budget_code"]),
        ("/payment-orders", {**ORDER, "payee_name": ""}, ["body", "payee_name"]),
        ("/payment-orders", {**ORDER, "payee_account": "abc"}, ["body", "payee_account"]),
        ("/payment-orders", {**ORDER, "colour": "red"}, ["body", "colour"]),
        (
            "/foreign-loan-records",
            {
                "kind": "revenue",
                "loan_agreement": "ADB-3456",
                "donor": "ADB",
                "amount": 5,
                "currency": "usd",
                "budget_code": "6501",
                "value_date": "2020-04-30",
            },
            ["body", "currency"],
        ),
        (
            "/foreign-loan-records",
            {
                "kind": "revenue",
                "loan_agreement": "ADB-3456",
                "donor": "ADB",
                "amount": 5,
                "currency": "USD",
                "budget_code": "6501",
                "value_date": "2020-02-30",
            },
            ["body", "value_date"],
        ),
        (
            "/dossiers",
            {"dossier_type": "advance", "title": "t", "attachments": []},
            ["body", "attachments"],
        ),
    ],
)
def test_bad_input_gets_422_naming_the_field(client, unit_a, path, body, field):
    response = client.post(f"{API}{path}", json=body, headers=unit_a)
    assert response.status_code == 422
    assert field in [e["loc"] for e in response.json()["detail"]]


def test_bad_input_never_reaches_a_500(client, unit_a):
    assert (
        client.post(
            f"{API}/payment-orders",
            content=b"{not json",
            headers={**unit_a, "Content-Type": "application/json"},
        ).status_code
        == 422
    )
    assert client.get(f"{API}/payment-orders/99999999999999", headers=unit_a).status_code == 422
    assert client.get(f"{API}/payment-orders/12345", headers=unit_a).status_code == 404
    assert (
        client.get(
            f"{API}/statements", params={"from": "2020-05-01", "to": "2020-04-01"}, headers=unit_a
        ).status_code
        == 422
    )
    assert (
        client.get(
            f"{API}/statements", params={"from": "2019-01-01", "to": "2020-04-01"}, headers=unit_a
        ).status_code
        == 422
    )
    assert (
        client.get(
            f"{API}/statements", params={"from": "yesterday", "to": "2020-04-01"}, headers=unit_a
        ).status_code
        == 422
    )
    big = {**ORDER, "content": "x" * 400_000}
    assert client.post(f"{API}/payment-orders", json=big, headers=unit_a).status_code == 413


def test_account_closure_is_refused_while_orders_are_unpaid(client, unit_a, unit_b):
    draft_signed_order(client, unit_a)  # signed, on the 8113 account: unpaid
    busy = client.post(
        f"{API}/account-closures",
        headers=unit_a,
        json={"account_number": f"8113.{UNIT_A}", "reason": "merged"},
    )
    assert busy.status_code == 409
    assert "1 unpaid payment order" in busy.json()["detail"]
    deposit = client.post(
        f"{API}/account-closures",
        headers=unit_a,
        json={"account_number": f"3712.{UNIT_A}", "reason": "year end"},
    )
    assert deposit.status_code == 201 and deposit.json()["status"] == "closed"
    again = client.post(
        f"{API}/account-closures",
        headers=unit_a,
        json={"account_number": f"3712.{UNIT_A}", "reason": "again"},
    )
    assert again.status_code == 409
    not_mine = client.post(
        f"{API}/account-closures",
        headers=unit_b,
        json={"account_number": f"8123.{UNIT_A}", "reason": "x"},
    )
    assert not_mine.status_code == 422
    drawn_on_closed = client.post(
        f"{API}/payment-orders", headers=unit_a, json={**ORDER, "payer_account": f"3712.{UNIT_A}"}
    )
    assert drawn_on_closed.status_code == 409


def test_every_record_survives_a_restart(settings):
    with TestClient(create_app(settings, quick_scenario())) as client:
        headers = sign_in(client, settings, UNIT_A)
        order = draft_signed_order(client, headers)
        dossier = client.post(
            f"{API}/dossiers",
            headers=headers,
            json={
                "dossier_type": "one_stop",
                "title": "Phiếu giao nhận",
                "attachments": [{"file_name": "p.pdf", "size_bytes": 10, "sha256": "c" * 64}],
            },
        ).json()
        loan = client.post(
            f"{API}/foreign-loan-records",
            headers=headers,
            json={
                "kind": "expenditure",
                "loan_agreement": "WB-5678",
                "donor": "World Bank",
                "amount": 250_000_000,
                "currency": "VND",
                "budget_code": "7001",
                "value_date": "2020-04-28",
            },
        ).json()
        closure = client.post(
            f"{API}/account-closures",
            headers=headers,
            json={"account_number": f"3712.{UNIT_A}", "reason": "project ended"},
        ).json()
        before = client.get(
            "/admin/stats", headers={"Authorization": f"Bearer {settings.admin_token}"}
        ).json()["records"]
    with TestClient(create_app(settings, quick_scenario())) as client:
        headers = sign_in(client, settings, UNIT_A)
        assert client.get(f"{API}/payment-orders/{order['id']}", headers=headers).json() == order
        assert client.get(f"{API}/dossiers/{dossier['id']}", headers=headers).json() == dossier
        after = client.get(
            "/admin/stats", headers={"Authorization": f"Bearer {settings.admin_token}"}
        ).json()["records"]
        assert after == before
        assert after["foreign_loan_records"] == {"recorded": 1}
        assert after["account_closures"] == {"closed": 1}
        assert loan["id"] and closure["id"]


def test_all_budget_units_exist_after_first_start(tmp_path):
    settings = Settings(db=f"sqlite:///{tmp_path / 'all.db'}")
    for _ in range(2):  # the second start finds them and adds none
        with TestClient(create_app(settings, None)) as client:
            stats = client.get(
                "/admin/stats", headers={"Authorization": f"Bearer {settings.admin_token}"}
            ).json()
            assert stats["records"]["units"]["all"] == 92_456
            assert sign_in(client, settings, 1_092_456)["Authorization"].startswith("Bearer ")


def test_metrics_count_requests_by_route_and_status(client, unit_a):
    client.get(f"{API}/payment-orders/777", headers=unit_a)
    text = client.get("/metrics").text
    assert 'peakload_requests_total{method="GET",route="get_payment",status="404"} 1.0' in text
    assert 'peakload_tier_servers{tier="app"} 8.0' in text


def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["scenario"] == "api-test" and body["emulating"]

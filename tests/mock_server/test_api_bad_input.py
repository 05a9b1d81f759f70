"""Bad input gets a 422 naming the field, never a 500."""

from __future__ import annotations

import pytest

from tests.mock_server.conftest import (
    API,
    ORDER,
)


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

"""Records: account closure rules, every record surviving a restart, the units seeded."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mock_server.main import create_app
from mock_server.settings import Settings
from tests.mock_server.conftest import (
    API,
    ORDER,
    UNIT_A,
    draft_signed_order,
    quick_scenario,
    sign_in,
)


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

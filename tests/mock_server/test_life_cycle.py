"""The mock follows the payment order's transition table, and stores only enum statuses."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from mock_server.control import decide
from mock_server.db import make_engine, prepare
from mock_server.models import AccountClosureStatus, DossierStatus, ForeignLoanRecordStatus
from mock_server.records.counts import RECORD_TABLES
from mock_server.tables import payment_orders
from peakload.contract.payment_order import PaymentOrderStatus
from tests.mock_server.conftest import ORDER, SIGNATURE, UNIT_A, draft_signed_order, wait_for_status

API = "/api/v1"

STATUS_ENUMS = {
    "payment_orders": PaymentOrderStatus,
    "dossiers": DossierStatus,
    "foreign_loan_records": ForeignLoanRecordStatus,
    "account_closures": AccountClosureStatus,
}


def test_sign_after_submit_and_submit_of_a_draft_answer_409(client, unit_a):
    order = draft_signed_order(client, unit_a)
    submitted = client.post(
        f"{API}/payment-orders/{order['id']}/submission", headers={**unit_a, "Idempotency-Key": "s"}
    )
    assert submitted.status_code == 200
    again = client.post(
        f"{API}/payment-orders/{order['id']}/signature", json=SIGNATURE, headers=unit_a
    )
    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"payment order {order['id']} is ")
    assert "only a draft order can be signed" in again.json()["detail"]

    draft = client.post(f"{API}/payment-orders", json=ORDER, headers=unit_a).json()
    early = client.post(
        f"{API}/payment-orders/{draft['id']}/submission", headers={**unit_a, "Idempotency-Key": "d"}
    )
    assert early.status_code == 409
    assert early.json()["detail"] == (
        f"payment order {draft['id']} is draft; only a signed order can be submitted"
    )


def test_every_status_in_the_database_is_an_enum_member(client, unit_a, admin):
    paid = draft_signed_order(client, unit_a)
    client.post(
        f"{API}/payment-orders/{paid['id']}/submission", headers={**unit_a, "Idempotency-Key": "p"}
    )
    wait_for_status(client, unit_a, paid["id"], "paid")
    client.post(f"{API}/payment-orders", json=ORDER, headers=unit_a)
    client.post(
        f"{API}/account-closures",
        json={"account_number": f"3712.{UNIT_A}", "reason": "done"},
        headers=unit_a,
    )
    records = client.get("/admin/stats", headers=admin).json()["records"]
    assert set(records["payment_orders"]) == {"draft", "paid"}
    assert records["account_closures"] == {"closed": 1}
    for name in RECORD_TABLES:
        assert set(records[name]) <= {s.value for s in STATUS_ENUMS[name]}, name


def test_the_database_refuses_a_status_outside_the_enum(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'check.db'}")
    prepare(engine, 1)
    row = {
        "unit_code": UNIT_A,
        "payer_account": "x",
        "amount": 1,
        "budget_code": "6501",
        "payee_name": "p",
        "payee_account": "a",
        "content": "c",
        "created_at": 0.0,
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(payment_orders).values({**row, "status": "signed"}))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(payment_orders).values({**row, "status": "lost"}))
        with engine.connect() as conn:
            assert conn.execute(select(payment_orders.c.status)).scalars().all() == ["signed"]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("status", "reject_rate", "wanted"),
    [
        ("submitted", 0.0, "accepted"),
        ("submitted", 1.0, "rejected"),
        ("accepted", 1.0, "paid"),  # an accepted order is paid, never rejected later
    ],
)
def test_control_takes_the_step_the_table_allows(status, reject_rate, wanted):
    values = decide(7, status, now=100.0, pay_after_s=5.0, reject_rate=reject_rate)
    assert values["status"] == wanted
    assert values["next_step_at"] == (105.0 if wanted == "accepted" else None)

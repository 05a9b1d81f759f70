"""The real service in process on a seeded PostgreSQL database: the mock's API and
statuses, signatures verified on submission, statements aggregated by the database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from mock_server.real.app import create_real_app
from mock_server.real.seed import prepare
from mock_server.settings import Settings
from peakload.core.units import DEV_UNIT_SECRET, FIRST_UNIT, unit_password
from tests.mock_server.real.conftest import ORDERS_PER_UNIT, UNITS

API = "/api/v1"
ORDER = {
    "amount": 12_500_000,
    "budget_code": "6501",
    "payee_name": "Tổng công ty Điện lực Hà Nội",
    "payee_account": "0011002233445",
    "content": "Thanh toán tiền điện tháng 4",
}
SIGNATURE = {"signature": "QUJDREVGR0hJSktMTU5PUFFSU1RVVg==", "certificate_serial": "4F2A"}


@pytest.fixture
def client(seeded_db, chain_dir):
    settings = Settings(db=seeded_db, units=UNITS)
    with TestClient(create_real_app(settings, chain_dir)) as client:
        unit = FIRST_UNIT + 3
        token = client.post(
            f"{API}/auth/token",
            json={"unit_code": str(unit), "password": unit_password(DEV_UNIT_SECRET, unit)},
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_a_payment_goes_through_its_flow_with_the_mock_s_statuses(client):
    codes = client.get(f"{API}/catalog/budget-codes", params={"q": "dien", "limit": 5})
    assert codes.status_code == 200 and codes.json()[0]["code"] == "6501"
    created = client.post(f"{API}/payment-orders", json=ORDER)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    order = created.json()["id"]
    submitted_early = client.post(
        f"{API}/payment-orders/{order}/submission", headers={"Idempotency-Key": "k-early"}
    )
    assert submitted_early.status_code == 409  # a draft cannot be submitted
    signed = client.post(f"{API}/payment-orders/{order}/signature", json=SIGNATURE)
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    again = client.post(f"{API}/payment-orders/{order}/signature", json=SIGNATURE)
    assert again.status_code == 409
    submitted = client.post(
        f"{API}/payment-orders/{order}/submission", headers={"Idempotency-Key": "k-1"}
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    replay = client.post(
        f"{API}/payment-orders/{order}/submission", headers={"Idempotency-Key": "k-1"}
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert client.get(f"{API}/payment-orders/{order}").status_code == 200
    assert client.get(f"{API}/payment-orders/999999").status_code == 404


def test_an_order_changed_after_signing_is_refused_on_submission(client, seeded_db):
    order = client.post(f"{API}/payment-orders", json=ORDER).json()["id"]
    assert client.post(f"{API}/payment-orders/{order}/signature", json=SIGNATURE).status_code == 200
    engine = create_engine(seeded_db)
    with engine.begin() as conn:  # someone edits the amount in the database
        conn.execute(
            text("UPDATE payment_orders SET amount = amount * 10 WHERE id = :i"), {"i": order}
        )
    engine.dispose()
    refused = client.post(
        f"{API}/payment-orders/{order}/submission", headers={"Idempotency-Key": "k-2"}
    )
    assert refused.status_code == 409
    assert "signature does not match the document" in refused.json()["detail"]
    assert client.get(f"{API}/payment-orders/{order}").json()["status"] == "signed"


def test_a_statement_is_grouped_by_budget_code_from_the_seeded_rows(client, seeded_db):
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=365)
    answer = client.get(f"{API}/statements", params={"from": str(first), "to": str(today)})
    assert answer.status_code == 200
    body = answer.json()
    engine = create_engine(seeded_db)
    with engine.connect() as conn:
        count, total = conn.execute(
            text(
                "SELECT count(*), sum(amount) FROM payment_orders WHERE unit_code = :u "
                "AND status = 'paid' AND paid_at >= :a"
            ),
            {"u": FIRST_UNIT + 3, "a": dt.datetime.combine(first, dt.time(), dt.UTC).timestamp()},
        ).one()
    engine.dispose()
    assert 0 < body["count"] == count <= ORDERS_PER_UNIT
    assert body["total_amount"] == total
    groups = body["by_budget_code"]
    assert sum(g["count"] for g in groups) == count
    assert sum(g["total_amount"] for g in groups) == total
    assert [g["budget_code"] for g in groups] == sorted({e["budget_code"] for e in body["entries"]})


def test_a_database_seeded_once_is_not_seeded_again(seeded_db):
    engine = create_engine(seeded_db)
    try:
        assert prepare(engine, UNITS, ORDERS_PER_UNIT) == 0
        with engine.connect() as conn:
            orders = conn.execute(text("SELECT count(*) FROM payment_orders")).scalar_one()
        assert orders == UNITS * ORDERS_PER_UNIT
    finally:
        engine.dispose()


def test_sqlite_is_refused_in_one_line(tmp_path):
    from mock_server.db import make_engine
    from mock_server.real.seed import NotPostgres

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(NotPostgres, match="needs PostgreSQL"):
        prepare(engine, 10, 1)
    engine.dispose()


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--processes", "2"], "--processes and --proxy need --work real"),
        (["--proxy", "nginx"], "--processes and --proxy need --work real"),
        (["--work", "real", "--db", "sqlite:///{tmp}/x.db"], "needs PostgreSQL"),
    ],
)
def test_unusable_stack_flags_are_one_line_and_exit_2(tmp_path, flags, says):
    flags = [f.format(tmp=tmp_path) for f in flags]
    command = [sys.executable, "-m", "peakload.cli", "serve", "--port", "1", "--out", str(tmp_path)]
    if "--db" not in flags:
        command += ["--db", f"sqlite:///{tmp_path / 'mock.db'}"]
    result = subprocess.run(command + flags, capture_output=True, text=True, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("peakload serve:") and says in lines[0]

"""Our mock's API as a request map (loadtests/maps/treasury.requests.toml), run on ci-smoke.

The declarative engine against the service we know best: every transaction
sent, ids captured from one step to the next through the payment-order life
cycle, and the writes reconciled through the map's count requests against
/admin/stats (the wrong-secret case through the map: ``test_wrong_secret.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.mock_process import MockServer
from loadtests.monitor import admin_stats
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.contract.api import TRANSACTIONS as CONTRACT_TRANSACTIONS

pytestmark = [pytest.mark.slow, pytest.mark.load]

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "ci-smoke.toml"
TREASURY = ROOT / "loadtests" / "maps" / "treasury.requests.toml"


@pytest.fixture(autouse=True)
def admin(monkeypatch, tmp_path):
    monkeypatch.setenv("PEAKLOAD_ADMIN_TOKEN", DEV_ADMIN_TOKEN)
    monkeypatch.chdir(tmp_path)


def test_ci_smoke_through_the_treasury_map(tmp_path):
    server = MockServer(SMOKE, tmp_path / "mock.db")
    try:
        server.wait_ready()
        done = loadtest(
            LoadTestOptions(
                scenario_path=SMOKE,
                host=server.url,
                compress=40,
                out="out",
                requests_path=TREASURY,
                plots=False,
            )
        )
        stats = admin_stats(server.url, DEV_ADMIN_TOKEN)
    finally:
        server.stop()
    summary = json.loads((done.run_dir / "summary.json").read_text())
    assert summary["slo"]["pass"] is True, summary["slo"]["violations"]
    sent = {name for name, t in summary["transactions"].items() if t["count"] > 0}
    assert sent == set(CONTRACT_TRANSACTIONS) - {"login"}  # signed in before the window
    assert summary["overall"]["error_rate"] < 0.01
    reconciliation = summary["reconciliation"]
    assert reconciliation["lost"] == reconciliation["duplicated"] == 0
    assert set(reconciliation["by_transaction"]) == {
        "create_payment",
        "submit_dossier",
        "record_foreign_loan",
        "close_account",
    }
    # The order id flowed from create to sign to submit: orders reached the later statuses.
    orders = stats["records"]["payment_orders"]
    assert sum(orders.get(s, 0) for s in ("submitted", "accepted", "paid", "rejected")) > 30

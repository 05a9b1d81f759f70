"""``serve --access-log``: one line per request, the unit as remote user, both formats."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from mock_server.main import create_app
from peakload.measure.access_log.lines import LogFormat, read_batches
from peakload.measure.access_log.routes import DEFAULT_ROUTES, name_transactions
from tests.mock_server.conftest import quick_scenario, sign_in


def _traffic(settings) -> None:
    with TestClient(create_app(settings, quick_scenario())) as client:
        headers = sign_in(client, settings, 1_000_007)
        client.get("/api/v1/catalog/budget-codes", params={"q": "chi"}, headers=headers)
        client.get("/api/v1/payment-orders/999999", headers=headers)  # 404, still logged
        client.get("/api/v1/statements", params={"from": "2020-04-01", "to": "2020-04-30"})


def test_combined_log_names_the_unit_and_parses_back(settings, tmp_path):
    path = tmp_path / "access.log"
    _traffic(settings.model_copy(update={"access_log": str(path)}))
    lines = path.read_text().splitlines()
    assert len(lines) == 4
    assert lines[0].split(" ")[2] == "1000007"  # the sign-in names the unit it signed in
    assert " 404 " in lines[2]
    assert lines[3].split(" ")[2] == "-"  # no token: no remote user
    (frame,) = read_batches(path, LogFormat.NGINX)
    named = name_transactions(frame, DEFAULT_ROUTES)["transaction"].to_list()
    assert named == ["login", "search_budget_codes", "get_payment", "get_statements"]
    assert (frame["request_time"] >= 0).all() and frame["end_s"].is_sorted()


def test_jsonl_log_has_the_same_fields(settings, tmp_path):
    path = tmp_path / "access.jsonl"
    _traffic(settings.model_copy(update={"access_log": str(path), "access_log_format": "jsonl"}))
    items = [json.loads(line) for line in path.read_text().splitlines()]
    assert [item["status"] for item in items] == [200, 200, 404, 401]
    assert items[1]["remote_user"] == 1_000_007 and items[1]["path"].startswith("/api/v1/catalog")


def test_no_log_unless_asked(settings, tmp_path):
    _traffic(settings)
    assert not list(tmp_path.glob("*.log"))

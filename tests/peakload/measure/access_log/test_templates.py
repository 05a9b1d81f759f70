"""Routes without a map: templates, readable stable names, the tail as ``other``."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from peakload.measure.access_log.derive import derive
from peakload.measure.access_log.derived import RouteNaming
from peakload.measure.access_log.lines import LogFormat
from peakload.measure.access_log.routes import load_routes
from peakload.measure.access_log.templates import OTHER, name_templates, readable_name, template
from tests.peakload.measure.access_log.synthetic import REPORTS, write_log, write_shop_log


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/orders/48213/sign?x=1", "/api/v1/orders/{id}/sign"),
        ("/api/v1/orders/", "/api/v1/orders"),
        ("/", "/"),
        ("/files/3f2b9c1e-8d4a-4c7e-9b1f-2a6d5e4c3b2a", "/files/{id}"),
        ("/users/5f1d7c2ab39e4a0012c3d4e5/profile", "/users/{id}/profile"),
        ("/t/aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRva2Vu1", "/t/{id}"),
        ("/invoices/INV-2020-0042", "/invoices/INV-{id}-{id}"),
        ("/api/v2/payment-orders", "/api/v2/payment-orders"),
        ("/api/v1/foreign-loan-records", "/api/v1/foreign-loan-records"),
    ],
)
def test_paths_become_templates(path, expected):
    assert template(path) == expected


@pytest.mark.parametrize(
    ("route", "name"),
    [
        ("POST /api/v1/orders/{id}/sign", "sign_order"),
        ("GET /api/v1/orders/{id}", "get_order"),
        ("GET /api/v1/orders", "list_orders"),
        ("POST /api/v1/orders", "create_order"),
        ("DELETE /api/v1/orders/{id}", "delete_order"),
        ("PATCH /api/v1/orders/{id}", "update_order"),
        ("POST /api/v1/carts/{id}/items", "create_cart_item"),
        ("GET /api/v1/orders/{id}/items", "list_order_items"),
        ("POST /api/v1/auth/token", "login"),
        ("GET /", "home"),
        ("GET /about.html", "get_about"),
        ("GET /api/v1/catalog/budget-codes", "list_budget_codes"),
    ],
)
def test_templates_get_readable_names(route, name):
    assert readable_name(route) == name


def test_names_are_unique_deterministic_and_the_tail_is_other():
    volumes = Counter({"GET /a/orders": 9, "GET /b/orders": 9, "GET /x": 5, "GET /y": 1})
    names = name_templates(volumes, max_transactions=3)
    assert names == {
        "GET /a/orders": "get_a_orders",  # both would be list_orders: their paths tell apart
        "GET /b/orders": "get_b_orders",
        "GET /x": "get_x",
        "GET /y": OTHER,
    }
    assert name_templates(Counter(dict(reversed(volumes.items()))), 3) == names


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return write_shop_log(tmp_path_factory.mktemp("shop") / "access.log")


def test_a_log_of_another_service_is_named_by_its_templates(shop):
    workload = derive([shop], LogFormat.AUTO, None, session_gap_s=600)
    assert workload.naming is RouteNaming.TEMPLATES
    assert workload.sessions == 40 and workload.open_sessions.max() == pytest.approx(40, abs=2)
    assert workload.think_time.mean_s == pytest.approx(20.0, rel=0.05)
    steps = {f.steps for f in workload.flows}
    assert ("list_products", "get_product") in steps
    assert ("create_cart", "create_cart_item", "create_order", "pay_order", "get_order") in steps
    assert workload.templates["pay_order"] == {
        "POST /shop/api/v2/orders/{id}/pay": workload.transactions["pay_order"].count
    }
    assert workload.templates["create_cart_item"].keys() == {"POST /shop/api/v2/carts/{id}/items"}
    assert workload.not_users.folded_assets > 0
    assert not any("static" in t or "favicon" in t for t in workload.transactions)
    # 9 routes and 30 rare reports: the busiest 25 by name, the other 14 merged.
    assert len(workload.transactions) == 26 and OTHER in workload.transactions
    assert len(workload.merged) == 39 - 25
    merged = workload.templates[OTHER]
    assert set(merged) == set(workload.merged) and all(t.split("/")[-1] in REPORTS for t in merged)
    assert workload.transactions[OTHER].count == sum(merged.values())


def test_names_are_the_same_run_to_run(shop):
    first = derive([shop], LogFormat.AUTO, None, session_gap_s=600, batch_lines=997)
    again = derive([shop], LogFormat.AUTO, None, session_gap_s=600)
    assert first.templates == again.templates and first.flows == again.flows


def test_max_transactions_and_keep_assets(shop):
    few = derive([shop], LogFormat.AUTO, None, session_gap_s=600, max_transactions=3)
    assert len(few.transactions) == 4 and OTHER in few.transactions
    assert {"get_product", "list_products"} <= set(few.transactions)  # the busiest two
    kept = derive([shop], LogFormat.AUTO, None, session_gap_s=600, keep_assets=True)
    assert kept.not_users.folded_assets == 0
    assert "get_logo" in kept.transactions  # GET /static/logo.png, a request of its own now
    assert kept.think_time.mean_s < 0.8 * 20.0  # the gaps before assets count as thinking


def test_a_route_map_overrides_templates(shop, tmp_path):
    routes = tmp_path / "routes.toml"
    routes.write_text(
        "[[routes]]\nmethod = 'POST'\npath = '^/shop/api/v2/orders/\\d+/pay$'\n"
        "transaction = 'checkout'\n"
    )
    workload = derive([shop], LogFormat.AUTO, load_routes(routes), session_gap_s=600)
    assert workload.naming is RouteNaming.MAP
    assert set(workload.transactions) == {"checkout"}
    assert workload.unknown["GET /shop/api/v2/products/{id}"] > 0


def test_a_log_of_the_mock_keeps_its_names(tmp_path):
    workload = derive(
        [write_log(tmp_path / "mock.log", users=10, minutes=10)], LogFormat.AUTO, None
    )
    assert workload.naming is RouteNaming.MOCK
    assert "sign_payment" in workload.transactions
    assert json.dumps(workload.templates)  # plain data for the .json
    assert workload.templates["sign_payment"] == {
        "POST /api/v1/payment-orders/{id}/signature": workload.transactions["sign_payment"].count
    }

"""The request map from-log writes: busiest templates, captures from the flows, placeholders."""

from __future__ import annotations

import tomllib

from peakload.core.request_map import load_request_map
from peakload.measure.access_log.derived_map import (
    BODY_NOTE,
    CAPTURE_NOTE,
    PLACEHOLDER_ID,
    derive_request_map,
    render,
)
from peakload.measure.access_log.flows import DerivedFlow

TEMPLATES = {
    "login": {"POST /v2/login": 30},
    "create_invoice": {"POST /v2/invoices": 300},
    "approve_invoice": {"POST /v2/invoices/{id}/approve": 298, "POST /v2/invoices/{id}/ok": 2},
    "get_invoice": {"GET /v2/invoices/{id}": 300},
    "list_invoices": {"GET /v2/invoices": 100},
    "get_customer": {"GET /v2/customers/{id}": 40},
    "create_cart_item": {"POST /shop/carts/{id}/items": 20},
    "get_cart_item": {"GET /shop/carts/{id}/items/{id}": 20},
    "get_receipt": {"GET /receipts/R-{id}": 5},
}
FLOWS = [
    DerivedFlow("billing", ("create_invoice", "approve_invoice", "get_invoice"), 300),
    DerivedFlow("review", ("list_invoices", "get_customer"), 100),
    DerivedFlow("cart", ("create_cart_item", "get_cart_item", "get_receipt"), 20),
]


def _written(tmp_path, derived) -> tuple[str, dict]:
    path = tmp_path / "derived.requests.toml"
    path.write_text(render(derived, "derived.toml"))
    load_request_map(path)  # loads as a load test reads it
    return path.read_text(), tomllib.loads(path.read_text())


def test_ids_created_earlier_in_the_flow_are_captured_the_rest_marked(tmp_path):
    derived = derive_request_map(TEMPLATES, FLOWS)
    text, data = _written(tmp_path, derived)
    requests = data["transactions"]
    assert "login" not in requests and "other" not in requests
    assert requests["create_invoice"] == {
        "method": "POST",
        "path": "/v2/invoices",
        "body": {},
        "capture": {"invoice": {"json": "$.id"}},
    }
    assert requests["approve_invoice"]["path"] == "/v2/invoices/{invoice}/approve"  # busiest
    assert requests["get_invoice"] == {"method": "GET", "path": "/v2/invoices/{invoice}"}
    assert requests["list_invoices"] == {"method": "GET", "path": "/v2/invoices"}
    # No flow creates a customer: a marked placeholder, not a guessed capture.
    assert requests["get_customer"]["path"] == f"/v2/customers/{PLACEHOLDER_ID}"
    # The cart is created nowhere; its item is, by the step before.
    assert requests["create_cart_item"]["capture"] == {"item": {"json": "$.id"}}
    assert requests["get_cart_item"]["path"] == f"/shop/carts/{PLACEHOLDER_ID}/items/{{item}}"
    assert requests["get_receipt"]["path"] == f"/receipts/R-{PLACEHOLDER_ID}"
    # Each guess is marked where it is made.
    block = text.split("[transactions.create_invoice]")[1].split("[transactions.")[0]
    assert CAPTURE_NOTE in block and BODY_NOTE in block
    customer = text.split("[transactions.get_customer]")[1].split("[transactions.")[0]
    assert "# PLACEHOLDER: {int:1:1000} stands for an id" in customer
    assert "body" not in requests["get_invoice"]
    assert data["sign_in"] == {"kind": "none"}
    sign_in = text.split("[sign_in]")[1].split("[transactions.")[0]
    assert "# PLACEHOLDER: the log shows a sign-in, transaction login: POST /v2/login" in sign_in


def test_an_id_is_captured_only_if_its_creator_runs_before_it_in_its_first_flow(tmp_path):
    flows = [DerivedFlow("read", ("get_invoice", "create_invoice"), 10)]
    derived = derive_request_map(TEMPLATES, flows)
    _, data = _written(tmp_path, derived)
    assert data["transactions"]["get_invoice"]["path"] == f"/v2/invoices/{PLACEHOLDER_ID}"
    assert "capture" not in data["transactions"]["create_invoice"]


def test_other_gets_no_request_but_a_comment_naming_what_it_merged(tmp_path):
    templates = {**TEMPLATES, "other": {"GET /a": 3, "GET /b": 1}}
    derived = derive_request_map(templates, FLOWS, merged=["GET /a", "GET /b"])
    text, data = _written(tmp_path, derived)
    assert "other" not in data["transactions"]
    assert "# 'other' (4 requests) is no one request: it merges 2 templates" in text
    assert "# GET /a, GET /b." in text
    assert "# PLACEHOLDER: a load test of a flow with 'other' needs a [transactions.other]" in text


def test_without_a_sign_in_in_the_log_the_map_says_so(tmp_path):
    templates = {k: v for k, v in TEMPLATES.items() if k != "login"}
    text, data = _written(tmp_path, derive_request_map(templates, FLOWS))
    assert data["sign_in"] == {"kind": "none"}
    assert "# PLACEHOLDER: the log shows no sign-in request" in text

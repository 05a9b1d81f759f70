"""What each transaction of invoices.toml sends, as Python: ``peakload loadtest --tasks``.

One function per transaction, ``(client, user)``, with Locust's HTTP client:
every request it makes is named after the transaction. ``user.vars`` keeps
what a later step needs (the invoice's id); raising fails the step.
"""

from __future__ import annotations

import os


def sign_in(client, user) -> None:
    credentials = {
        "username": os.environ["INVOICES_USER"],
        "password": os.environ["INVOICES_PASSWORD"],
    }
    response = client.post("/v2/login", json=credentials)
    response.raise_for_status()
    user.headers["Authorization"] = f"Bearer {response.json()['token']}"


def create_invoice(client, user) -> None:
    amount = round(float(user.rng.uniform(10, 5000)), 2)
    body = {"customer": f"C-{user.index}", "amount": amount, "currency": "EUR"}
    response = client.post("/v2/invoices", json=body, headers=user.headers)
    response.raise_for_status()
    user.vars["invoice"] = response.json()["uuid"]


def approve_invoice(client, user) -> None:
    invoice = user.vars["invoice"]
    client.post(f"/v2/invoices/{invoice}/approve", headers=user.headers).raise_for_status()


def get_invoice(client, user) -> None:
    response = client.get(f"/v2/invoices/{user.vars['invoice']}", headers=user.headers)
    response.raise_for_status()


def list_invoices(client, user) -> None:
    client.get("/v2/invoices?status=approved", headers=user.headers).raise_for_status()

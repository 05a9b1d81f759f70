"""A budget unit's accountant: what each transaction of our mock's API sends.

One ``Accountant`` per virtual user, made by the default tasks module
(``loadtests/maps/treasury.py``, the public ``--tasks`` mechanism). It signs
in as its own unit, remembers what it created (orders, dossiers) so each
flow's steps act on real records, picks budget codes from the catalog search
it just made, and sends every request under the transaction's name so
Locust, the server's metrics and the simulation line up.

Every request follows the client rules (:mod:`loadtests.client_rules`):
retries with the same Idempotency-Key, every write entered in the ledger. A
409 that states a business rule (closing an account already closed) is an
answer; a 409 to a *retried* sign says the lost first attempt took effect
(an idempotent replay), a success. After a share of its steps the user
probes cross-unit isolation (:mod:`loadtests.isolation`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from loadtests import payloads
from loadtests.client_rules import ClientRules, send
from loadtests.isolation import PROBE_SHARE, probe_isolation
from loadtests.ledger import WRITES, Ledger
from peakload.contract.api import API_PREFIX
from peakload.core.scenario import Scenario
from peakload.core.units import account_numbers, unit_password

API = API_PREFIX
USER_AGENT = "peakload-accountant/1 (unit {unit})"
"""Each user's User-Agent names its unit: behind a proxy that logs no user (nginx's default
``combined`` has ``$remote_user`` only for basic auth), all users share one client address,
and the agent is what tells them apart in the log, as distinct browsers and addresses do."""


class Accountant:
    """One budget unit's user of the mock's API: a sign-in, then steps by name."""

    def __init__(
        self,
        client: Any,
        scenario: Scenario,
        unit_code: int,
        secret: str,
        rng: np.random.Generator,
        ledger: Ledger,
    ):
        self.client = client
        self.unit_code = unit_code
        self.secret = secret
        self.rng = rng
        self.ledger = ledger
        self.rules = ClientRules.of(scenario)
        self.headers: dict[str, str] = {}  # the bearer token once signed in
        self.agent = {"User-Agent": USER_AGENT.format(unit=unit_code)}
        self.codes: list[str] = []
        self.orders: list[int] = []
        self.order: int | None = None  # the order the current payment flow works on
        self.dossier: int | None = None
        self.closable = [a for a in account_numbers(unit_code) if not a.startswith("8113")]
        self.steps: dict[str, Callable[[], bool]] = {
            "login": self.login,
            "search_budget_codes": self.search_budget_codes,
            "create_payment": self.create_payment,
            "sign_payment": self.sign_payment,
            "submit_payment": self.submit_payment,
            "get_payment": self.get_payment,
            "list_payments": self.list_payments,
            "submit_dossier": self.submit_dossier,
            "get_dossier": self.get_dossier,
            "record_foreign_loan": self.record_foreign_loan,
            "close_account": self.close_account,
            "get_statements": self.get_statements,
        }

    def sign_in(self) -> bool:
        """Sign in as this unit (the ``login`` transaction)."""
        return self.login()

    def run(self, transaction: str) -> bool:
        """Run one step; True when it did what it should. Now and then, probe isolation."""
        done = self.steps[transaction]()
        if self.headers and self.rng.random() < PROBE_SHARE:
            headers = {**self.agent, **self.headers}
            probe_isolation(self.client, self.ledger, self.unit_code, headers, self.rng)
        return done

    def _call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        body: dict | None = None,
        write: bool = False,
        answers: tuple[int, ...] = (),
        answers_on_retry: tuple[int, ...] = (),
    ) -> Any | None:
        """The response body of a 2xx (or ``{}`` for an expected answer), None on failure;
        a write carries a fresh Idempotency-Key through its retries."""
        assert not write or name in WRITES
        return send(
            self.client,
            self.ledger,
            self.rules,
            name,
            method,
            path,
            headers={**self.agent, **self.headers},
            body=body,
            key=self.ledger.new_key(self.rng) if write else None,
            answers=answers,
            answers_on_retry=answers_on_retry,
        )

    # --- the transactions -------------------------------------------------------

    def login(self) -> bool:
        body = {
            "unit_code": str(self.unit_code),
            "password": unit_password(self.secret, self.unit_code),
        }
        answer = self._call("login", "POST", f"{API}/auth/token", body=body)
        if answer is None:
            return False
        self.headers = {"Authorization": f"Bearer {answer['access_token']}"}
        return True

    def search_budget_codes(self) -> bool:
        term = payloads.search_term(self.rng)
        answer = self._call(
            "search_budget_codes", "GET", f"{API}/catalog/budget-codes?q={term}&limit=20"
        )
        if answer is None:
            return False
        self.codes = [c["code"] for c in answer] or self.codes
        return True

    def create_payment(self) -> bool:
        body = payloads.payment_order(self.rng, self.codes, time.gmtime().tm_mon)
        answer = self._call(
            "create_payment",
            "POST",
            f"{API}/payment-orders",
            body=body,
            write=True,
        )
        if answer is None:
            return False
        self.order = answer["id"]
        self.orders.append(answer["id"])
        self.ledger.order_created(self.unit_code, answer["id"])
        return True

    def sign_payment(self) -> bool:
        if self.order is None:
            return False
        # A retry after a lost answer finds the order signed already: that is success.
        return (
            self._call(
                "sign_payment",
                "POST",
                f"{API}/payment-orders/{self.order}/signature",
                body=payloads.signature(self.rng, self.order),
                write=True,
                answers_on_retry=(409,),
            )
            is not None
        )

    def submit_payment(self) -> bool:
        if self.order is None:
            return False
        return (
            self._call(
                "submit_payment",
                "POST",
                f"{API}/payment-orders/{self.order}/submission",
                write=True,
            )
            is not None
        )

    def get_payment(self) -> bool:
        order = self.order or (self.orders[-1] if self.orders else None)
        if order is None:  # a review before any payment: ask for one, hear 404
            return (
                self._call("get_payment", "GET", f"{API}/payment-orders/2147483647", answers=(404,))
                is not None
            )
        answer = self._call("get_payment", "GET", f"{API}/payment-orders/{order}")
        self.order = None  # the payment flow ends with this check
        return answer is not None

    def list_payments(self) -> bool:
        status = ("", "&status=submitted", "&status=paid")[self.rng.integers(3)]
        answer = self._call("list_payments", "GET", f"{API}/payment-orders?page=1{status}")
        if answer is None:
            return False
        if answer.get("items"):
            self.order = answer["items"][0]["id"]
        return True

    def submit_dossier(self) -> bool:
        order = self.orders[-1] if self.orders else None
        answer = self._call(
            "submit_dossier",
            "POST",
            f"{API}/dossiers",
            body=payloads.dossier(self.rng, order),
            write=True,
        )
        if answer is None:
            return False
        self.dossier = answer["id"]
        return True

    def get_dossier(self) -> bool:
        if self.dossier is None:
            return False
        return self._call("get_dossier", "GET", f"{API}/dossiers/{self.dossier}") is not None

    def record_foreign_loan(self) -> bool:
        return (
            self._call(
                "record_foreign_loan",
                "POST",
                f"{API}/foreign-loan-records",
                body=payloads.foreign_loan_record(self.rng, self.codes),
                write=True,
            )
            is not None
        )

    def close_account(self) -> bool:
        # Deposit and investment accounts only: the 8113 account pays the orders.
        account = self.closable[self.rng.integers(len(self.closable))]
        body = {"account_number": account, "reason": "Tất toán tài khoản cuối năm ngân sách"}
        return (
            self._call(
                "close_account",
                "POST",
                f"{API}/account-closures",
                body=body,
                write=True,
                answers=(409,),
            )
            is not None
        )

    def get_statements(self) -> bool:
        today = time.strftime("%Y-%m-%d", time.gmtime())
        first = time.strftime("%Y-%m-01", time.gmtime())
        return (
            self._call("get_statements", "GET", f"{API}/statements?from={first}&to={today}")
            is not None
        )

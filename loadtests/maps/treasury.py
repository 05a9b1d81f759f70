"""peakload's mock Treasury API as a tasks module: the default load test's users.

``peakload loadtest`` without ``--requests`` or ``--tasks`` (and without a
scenario ``requests``) runs this module through the same public mechanism as
``--tasks mymodule.py`` (:mod:`loadtests.tasks`): each transaction is a
function ``(client, user) -> None`` that raises when the step fails. The work
is done by one :class:`~loadtests.accountant.Accountant` per user, kept in
``user.vars``: it picks budget codes from the catalog search it just made,
counts a 409 to a retried sign as the replay of a sign that took effect, and
probes cross-unit isolation now and then.

It also uses the module's optional hooks (documented in :mod:`loadtests.tasks`):

- ``WRITES``: the write transactions, entered in ``user.ledger`` by the
  accountant, attempt by attempt, with their Idempotency-Keys;
- ``record_counts(host)``: the mock's records per write from ``/admin/stats``
  (its admin token: ``PEAKLOAD_ADMIN_TOKEN``, else the development token on a
  loopback host), so lost and duplicated writes
  are reconciled, signs and submissions included (counted by order status);
- ``preparation(steps, entry)``: the steps that make the record an entry step
  acts on (a user entering at ``submit_payment`` holds an order it signed);
- ``CREDENTIALS_HINT``: the likely fix when every sign-in is refused;
- ``ROUTE_HINT``: the likely fix when a route answers only 404 or 405 (pointed at
  a service that is not our mock, these users are the wrong mapping).

The same API as a declarative map is ``treasury.requests.toml`` beside this
file; it does not pick codes from the search, probe isolation, or reconcile
signs and submissions.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from loadtests.accountant import Accountant
from loadtests.ledger import WRITES as WRITES
from loadtests.ledger import server_counts
from loadtests.monitor import admin_stats
from loadtests.roster import preparation as preparation
from loadtests.tasks import TaskUser
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.core.units import DEV_UNIT_SECRET

SECRET = os.environ.get("PEAKLOAD_UNIT_SECRET", DEV_UNIT_SECRET)
"""The unit passwords are HMAC(PEAKLOAD_UNIT_SECRET, unit code), as the mock's are."""
ROUTE_HINT = (
    "it is a route of peakload's mock API (loadtests/maps/treasury.py); a service with "
    "another API needs its own mapping (--requests MAP.toml or --tasks MODULE.py)"
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts the development admin token is tried on when PEAKLOAD_ADMIN_TOKEN is not set
(a mock the load test started, or one started by hand on this machine); it is never
sent off the machine."""
CREDENTIALS_HINT = (
    "the unit passwords are HMAC(PEAKLOAD_UNIT_SECRET, unit code): "
    "PEAKLOAD_UNIT_SECRET differs from the server's"
)


class StepFailed(Exception):
    """The accountant's step did not do what it should (a failed request, or
    nothing to act on after an earlier step failed); its requests say why."""


def _accountant(client: Any, user: TaskUser) -> Accountant:
    accountant = user.vars.get("accountant")
    if accountant is None:
        accountant = Accountant(
            client, user.scenario, user.unit_code, SECRET, user.rng, user.ledger
        )
        user.vars["accountant"] = accountant
    return accountant


def _step(client: Any, user: TaskUser, transaction: str) -> None:
    if not _accountant(client, user).run(transaction):
        raise StepFailed(transaction)


def sign_in(client: Any, user: TaskUser) -> None:
    if not _accountant(client, user).sign_in():
        raise StepFailed("login")


def search_budget_codes(client: Any, user: TaskUser) -> None:
    _step(client, user, "search_budget_codes")


def create_payment(client: Any, user: TaskUser) -> None:
    _step(client, user, "create_payment")


def sign_payment(client: Any, user: TaskUser) -> None:
    _step(client, user, "sign_payment")


def submit_payment(client: Any, user: TaskUser) -> None:
    _step(client, user, "submit_payment")


def get_payment(client: Any, user: TaskUser) -> None:
    _step(client, user, "get_payment")


def list_payments(client: Any, user: TaskUser) -> None:
    _step(client, user, "list_payments")


def submit_dossier(client: Any, user: TaskUser) -> None:
    _step(client, user, "submit_dossier")


def get_dossier(client: Any, user: TaskUser) -> None:
    _step(client, user, "get_dossier")


def record_foreign_loan(client: Any, user: TaskUser) -> None:
    _step(client, user, "record_foreign_loan")


def close_account(client: Any, user: TaskUser) -> None:
    _step(client, user, "close_account")


def get_statements(client: Any, user: TaskUser) -> None:
    _step(client, user, "get_statements")


def record_counts(host: str) -> dict[str, int] | str:
    """The mock's records per write transaction (a string says why not)."""
    token = os.environ.get("PEAKLOAD_ADMIN_TOKEN") or (
        DEV_ADMIN_TOKEN if urlsplit(host).hostname in LOOPBACK else None
    )
    if token is None:
        return "no admin token for a server off this machine (set PEAKLOAD_ADMIN_TOKEN)"
    stats = admin_stats(host, token)
    if stats is None:
        return "no admin access to the server (set PEAKLOAD_ADMIN_TOKEN)"
    return server_counts(stats["records"])

"""The default users are our mock's API as a tasks module, run through ``--tasks``'s mechanism.

Nothing about the mock is built into the users: a plan that names no request
mapping runs ``loadtests/maps/treasury.py`` as a :class:`ModuleSource`, with
the hooks a user's own module has (its writes, its preparation, its sign-in
hint, its record counts). The load tests that run it: ``test_runner.py``,
``test_wrong_secret.py`` and every other test of ``peakload loadtest`` on the mock.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from loadtests.actors import DEFAULT_REQUESTS, request_source
from loadtests.ledger import WRITES, Ledger
from loadtests.reconciliation import reconciliation, record_counter
from loadtests.roster import PREPARES
from loadtests.tasks import ModuleActor, ModuleSource
from peakload.contract.api import TRANSACTIONS
from peakload.core.plan import Plan
from peakload.core.units import FIRST_UNIT
from tests.loadtests.test_accountant import _Server
from tests.peakload.core.test_plan import APRIL, SMOKE


class _Client(_Server):
    """A Locust client's two calls a task function's request goes through."""

    @contextmanager
    def rename_request(self, name: str):
        yield


def test_a_plan_without_a_mapping_runs_the_treasury_tasks_module():
    source = request_source(Plan(APRIL))
    assert isinstance(source, ModuleSource)
    assert source.path == DEFAULT_REQUESTS
    assert set(TRANSACTIONS) - {"login"} <= set(dir(source.module))  # a function each
    assert source.writes == WRITES  # the ledger follows every write type
    assert "PEAKLOAD_UNIT_SECRET differs from the server's" in source.credentials_hint
    payment = ["search_budget_codes", "create_payment", "sign_payment", "submit_payment"]
    assert source.preparation(payment, 3) == list(PREPARES["submit_payment"])
    assert source.preparation(payment, 1) == []  # a draft acts on nothing the user made


def test_each_user_is_an_accountant_of_its_own_unit_with_the_runs_ledger():
    source = request_source(Plan(SMOKE))
    ledger = Ledger()
    actor = source.actor(_Client(404), 5, np.random.default_rng(1), ledger)
    assert isinstance(actor, ModuleActor)
    assert actor.user.ledger is ledger
    assert not actor.run("get_dossier")  # no dossier made yet: the step fails, no request
    accountant = actor.user.vars["accountant"]
    assert accountant.unit_code == actor.user.unit_code == FIRST_UNIT + 5


def test_the_default_reconciles_against_the_mocks_admin_counts(monkeypatch):
    monkeypatch.setenv("PEAKLOAD_ADMIN_TOKEN", "wrong")
    count = record_counter(Plan(SMOKE))
    reason = count("http://127.0.0.1:9")  # nothing listens: no admin access
    assert reason == "no admin access to the server (set PEAKLOAD_ADMIN_TOKEN)"
    client = {"create_payment": {"ok": 3, "in_doubt": 0}}
    assert reconciliation(client, reason, reason)["checked"] is False
    counted = reconciliation(client, {"create_payment": 10}, {"create_payment": 12})
    assert (counted["lost"], counted["duplicated"]) == (1, 0)


def test_the_development_admin_token_never_leaves_the_machine(monkeypatch):
    monkeypatch.delenv("PEAKLOAD_ADMIN_TOKEN", raising=False)
    count = record_counter(Plan(SMOKE))
    reason = count("http://staging.example.invalid:8080")  # not asked: no token for it
    assert reason == "no admin token for a server off this machine (set PEAKLOAD_ADMIN_TOKEN)"
    assert count("http://127.0.0.1:9") == (  # tried with the development token, refused
        "no admin access to the server (set PEAKLOAD_ADMIN_TOKEN)"
    )


def test_a_wrong_route_names_the_mocks_api_and_the_way_to_map_another():
    hint = request_source(Plan(SMOKE)).route_hint("create_payment")
    assert hint.startswith("create_payment: it is a route of peakload's mock API")
    assert "--requests MAP.toml or --tasks MODULE.py" in hint


def test_a_tasks_module_without_record_counts_is_not_checked(tmp_path):
    module = tmp_path / "mine.py"
    steps = {s for s in TRANSACTIONS if s != "login"}
    module.write_text("".join(f"def {s}(client, user): pass\n" for s in steps))
    count = record_counter(Plan(SMOKE, requests=str(module)))
    assert "mine.py names no count" in str(count("http://127.0.0.1:9"))
    module.write_text(module.read_text() + "def record_counts(host): raise OSError('down')\n")
    count = record_counter(Plan(SMOKE, requests=str(module)))
    assert count("http://127.0.0.1:9") == "mine.py: record_counts() raised OSError: down"

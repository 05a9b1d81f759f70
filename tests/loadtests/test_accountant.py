"""The accountant covers the contract, its payloads are what the service accepts, and its
isolation probe reads only other units' orders (:mod:`loadtests.isolation`)."""

from __future__ import annotations

import numpy as np

from loadtests import payloads
from loadtests.accountant import Accountant
from loadtests.isolation import PROBE, probe_isolation
from loadtests.ledger import Ledger
from mock_server.models import (
    DossierCreate,
    ForeignLoanRecordCreate,
    PaymentOrderCreate,
    SignatureCreate,
)
from peakload.contract.api import TRANSACTIONS
from peakload.core.scenario_file import load_scenario
from tests.peakload.core.test_plan import APRIL


def test_every_contract_transaction_has_a_step():
    accountant = Accountant(
        None, load_scenario(APRIL), 1_000_001, "secret", np.random.default_rng(1), Ledger()
    )
    assert set(accountant.steps) == set(TRANSACTIONS)
    assert all(a.startswith(("8123.", "3712.")) for a in accountant.closable)


def test_generated_bodies_pass_the_services_own_validation():
    rng = np.random.default_rng(5)
    for _ in range(200):
        PaymentOrderCreate.model_validate(payloads.payment_order(rng, ["6501", "7001"], 4))
        PaymentOrderCreate.model_validate(payloads.payment_order(rng, [], 12))
        SignatureCreate.model_validate(payloads.signature(rng, 42))
        DossierCreate.model_validate(payloads.dossier(rng, 7))
        ForeignLoanRecordCreate.model_validate(payloads.foreign_loan_record(rng, []))
    amounts = [payloads.amount_vnd(rng) for _ in range(5_000)]
    assert 5e6 < np.median(amounts) < 4e7  # around VND 15 million, as assumed
    assert max(amounts) > 1e9  # with a tail to the billions


class _Answer:
    def __init__(self, status: int):
        self.status_code = status
        self.verdict: str | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def success(self):
        self.verdict = "success"

    def failure(self, message: str):
        self.verdict = message


class _Server:
    """Answers every read with ``status``; remembers what was asked."""

    def __init__(self, status: int):
        self.status = status
        self.asked: list[tuple[str, str, str]] = []

    def request(self, method, path, name, **kwargs):
        self.asked.append((method, path, name))
        return _Answer(self.status)


UNIT = 1_000_001


def probing(status: int, seen: list[tuple[int, int]]) -> tuple[_Server, Ledger]:
    ledger = Ledger()
    for unit, order in seen:
        ledger.order_created(unit, order)
    return _Server(status), ledger


def probe(server: _Server, ledger: Ledger, rng: np.random.Generator) -> None:
    probe_isolation(server, ledger, UNIT, {"Authorization": "Bearer t"}, rng)


def test_the_isolation_probe_reads_only_other_units_orders_and_counts_leaks():
    rng = np.random.default_rng(3)
    server, ledger = probing(404, [(UNIT, 1), (1_000_002, 2), (1_000_003, 3)])
    for _ in range(50):
        probe(server, ledger, rng)
    paths = {path for _, path, _ in server.asked}
    assert paths <= {"/api/v1/payment-orders/2", "/api/v1/payment-orders/3"}  # never its own
    assert {name for _, _, name in server.asked} == {PROBE}  # outside the transactions
    assert ledger.probes == len(server.asked) > 30 and ledger.leaks == 0
    server, ledger = probing(200, [(1_000_002, 2)])
    probe(server, ledger, rng)
    assert (ledger.probes, ledger.leaks) == (1, 1)  # another unit's record answered: a leak


def test_no_probe_without_another_units_order():
    server, ledger = probing(404, [(UNIT, 1)])
    probe(server, ledger, np.random.default_rng(3))
    assert server.asked == [] and ledger.probes == 0


def test_a_signed_in_accountant_probes_a_share_of_its_steps():
    server, ledger = probing(404, [(1_000_002, 2)])
    accountant = Accountant(
        server, load_scenario(APRIL), UNIT, "secret", np.random.default_rng(4), ledger
    )
    for _ in range(500):
        accountant.run("get_dossier")  # no dossier yet: fails without a request
    assert server.asked == []  # not signed in: no token to probe with
    accountant.headers = {"Authorization": "Bearer t"}
    for _ in range(500):
        accountant.run("get_dossier")
    assert 2 <= ledger.probes <= 30  # PROBE_SHARE of 500 steps is 10
    assert {name for _, _, name in server.asked} == {PROBE}

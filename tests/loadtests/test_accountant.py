"""The accountant covers the contract, and its payloads are what the service accepts."""

from __future__ import annotations

import numpy as np

from loadtests import payloads
from loadtests.accountant import Accountant
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

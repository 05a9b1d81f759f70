from pathlib import Path

import numpy as np

from loadtests.ledger import WRITES, Ledger, reconcile, server_counts
from peakload.core.plan import Plan

SMOKE = str(Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml")


def test_a_key_answered_ok_after_a_lost_answer_is_not_in_doubt():
    ledger = Ledger()
    ledger.sent("create_payment", "k1")  # first attempt timed out...
    ledger.sent("create_payment", "k1")  # ...the retry, same key...
    ledger.answered("create_payment", "k1", ok=True)  # ...got the record
    ledger.sent("create_payment", "k2")  # never answered (time-out, or stopped)
    ledger.sent("close_account", "k3")
    ledger.answered("close_account", "k3", ok=False)  # a 409: no record, no doubt
    counts = ledger.counts()
    assert counts["create_payment"] == {"ok": 1, "in_doubt": 1}
    assert counts["close_account"] == {"ok": 0, "in_doubt": 0}


def test_each_run_makes_keys_of_its_own_from_the_same_seed():
    def keys(ledger: Ledger) -> list[str]:
        rng = np.random.default_rng([5, 0])  # user 0 of a run seeded 5
        return [ledger.new_key(rng) for _ in range(200)]

    token = Plan(SMOKE).run_token
    first = keys(Ledger(run_token=token))
    assert len(set(first)) == 200 and all(len(k) == 32 for k in first)
    assert keys(Ledger(run_token=token)) == first  # one run's processes agree
    assert Plan(SMOKE).run_token != token  # each plan draws its own
    assert not set(keys(Ledger(run_token=Plan(SMOKE).run_token))) & set(first)


def test_server_counts_follow_the_order_lifecycle():
    records = {
        "payment_orders": {"draft": 2, "signed": 3, "submitted": 1, "paid": 4},
        "dossiers": {"received": 5},
        "foreign_loan_records": {},
        "account_closures": {"closed": 1},
    }
    assert server_counts(records) == {
        "create_payment": 10,
        "sign_payment": 8,
        "submit_payment": 5,
        "submit_dossier": 5,
        "record_foreign_loan": 0,
        "close_account": 1,
    }


def test_reconcile_flags_lost_and_duplicated_writes():
    client = {name: {"ok": 10, "in_doubt": 0} for name in WRITES}
    client["submit_dossier"] = {"ok": 10, "in_doubt": 2}
    before = dict.fromkeys(WRITES, 100)
    after = dict.fromkeys(WRITES, 110)
    after["create_payment"] = 109  # one acknowledged write missing
    after["record_foreign_loan"] = 111  # one record nobody asked for
    after["submit_dossier"] = 112  # two in doubt that did land: fine
    result = reconcile(client, before, after)
    assert result["lost"] == 1 and result["duplicated"] == 1
    assert result["by_transaction"]["submit_dossier"]["duplicated"] == 0


def test_saved_ledgers_merge_writes_and_isolation_probes(tmp_path):
    from loadtests.ledger import Ledger, merge, merge_isolation

    paths = []
    for i, leaked in enumerate((False, True)):
        ledger = Ledger()
        ledger.sent("create_payment", f"k{i}")
        ledger.answered("create_payment", f"k{i}", ok=True)
        ledger.probed(leaked=False)
        ledger.probed(leaked=leaked)
        paths.append(tmp_path / f"ledger-{i}.json")
        ledger.save(paths[-1])
    assert merge(paths)["create_payment"] == {"ok": 2, "in_doubt": 0}
    assert merge_isolation(paths) == {"probes": 4, "leaks": 1}

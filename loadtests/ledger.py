"""The client's side of reconciliation: what each write type achieved, by key.

Every write carries an Idempotency-Key. A key is ``in_doubt`` from the moment
an attempt is sent until an answer comes back (the server may or may not have
committed it: a time-out, or a user stopped mid-request when the test ends),
and ``ok`` once any attempt got a 2xx. After the run the server's record counts
must satisfy ok <= records <= ok + in_doubt: fewer is a lost write, more a
duplicate.

The ledger also keeps the isolation probe's tally: orders other units made
(the last :data:`SEEN_ORDERS` this process saw created) for a user to try to
read with its own token, and how many such reads answered with the record
(a leak) rather than 404.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from pathlib import Path

import numpy as np

from peakload.contract.payment_order import PaymentOrderAction, statuses_after
from peakload.core.templates import fresh_uuid

# Write transactions, and the server's record count that each one grows.
WRITES = (
    "create_payment",
    "sign_payment",
    "submit_payment",
    "submit_dossier",
    "record_foreign_loan",
    "close_account",
)


SEEN_ORDERS = 2_000


class Ledger:
    def __init__(self, writes: tuple[str, ...] = WRITES, run_token: str = "") -> None:
        self.writes = writes  # the write transactions this ledger reports
        self.run_token = run_token  # the plan's: keys this run makes are its own
        self.ok: dict[str, set[str]] = defaultdict(set)
        self.in_doubt: dict[str, set[str]] = defaultdict(set)
        self.orders_seen: deque[tuple[int, int]] = deque(maxlen=SEEN_ORDERS)
        self.probes = 0
        self.leaks = 0

    def order_created(self, unit_code: int, order_id: int) -> None:
        self.orders_seen.append((unit_code, order_id))

    def someone_elses_order(self, unit_code: int, rng: np.random.Generator) -> int | None:
        """A random recent order of another unit, or None if none was seen yet."""
        for _ in range(3):
            if not self.orders_seen:
                return None
            unit, order = self.orders_seen[int(rng.integers(len(self.orders_seen)))]
            if unit != unit_code:
                return order
        return None

    def probed(self, leaked: bool) -> None:
        self.probes += 1
        self.leaks += int(leaked)

    def new_key(self, rng: np.random.Generator) -> str:
        """A fresh Idempotency-Key for one write (all its attempts carry it), drawn from
        the user's ``rng`` and unique to this run (:func:`fresh_uuid`)."""
        return fresh_uuid(rng, self.run_token).hex

    def sent(self, transaction: str, key: str) -> None:
        if key not in self.ok[transaction]:
            self.in_doubt[transaction].add(key)

    def answered(self, transaction: str, key: str, ok: bool) -> None:
        """An HTTP answer came back: the write is settled, one way or the other."""
        self.in_doubt[transaction].discard(key)
        if ok:
            self.ok[transaction].add(key)

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {"ok": len(self.ok[name]), "in_doubt": len(self.in_doubt[name])}
            for name in self.writes
        }

    def save(self, path: Path) -> None:
        isolation = {"probes": self.probes, "leaks": self.leaks}
        path.write_text(json.dumps({"writes": self.counts(), "isolation": isolation}))


def merge(paths: list[Path]) -> dict[str, dict[str, int]]:
    """Every process's ledger added up, per write transaction."""
    total: dict[str, dict[str, int]] = {}
    for path in paths:
        for name, counts in json.loads(path.read_text())["writes"].items():
            total.setdefault(name, {"ok": 0, "in_doubt": 0})
            total[name]["ok"] += counts["ok"]
            total[name]["in_doubt"] += counts["in_doubt"]
    return total


def merge_isolation(paths: list[Path]) -> dict[str, int]:
    """The isolation probe over every process: cross-unit reads tried, and leaks."""
    total = {"probes": 0, "leaks": 0}
    for path in paths:
        for key, value in json.loads(path.read_text())["isolation"].items():
            total[key] += value
    return total


# The order statuses that show a sign (or a submit) took effect, from the life cycle's
# transition table: the server counts orders by status, not by the steps they took.
_SIGNED = tuple(statuses_after(PaymentOrderAction.SIGN))
_SUBMITTED = tuple(statuses_after(PaymentOrderAction.SUBMIT))


def server_counts(records: dict[str, dict[str, int]]) -> dict[str, int]:
    """Records on the server per write type, from /admin/stats ``records``.

    Each ``create_payment`` made one order; a ``sign_payment`` that took effect
    left it in a status past signing, a ``submit_payment`` one past submission.
    """
    orders = records.get("payment_orders", {})
    return {
        "create_payment": sum(orders.values()),
        "sign_payment": sum(orders.get(status, 0) for status in _SIGNED),
        "submit_payment": sum(orders.get(status, 0) for status in _SUBMITTED),
        "submit_dossier": sum(records.get("dossiers", {}).values()),
        "record_foreign_loan": sum(records.get("foreign_loan_records", {}).values()),
        "close_account": sum(records.get("account_closures", {}).values()),
    }


def reconcile(
    client: dict[str, dict[str, int]], before: dict[str, int], after: dict[str, int]
) -> dict:
    """The contract's ``reconciliation``: totals over write types, and each type."""
    per_type = {}
    for name in client:
        if name not in after:
            continue
        ok, doubt = client[name]["ok"], client[name]["in_doubt"]
        records = after[name] - before[name]
        per_type[name] = {
            "client_ok": ok,
            "in_doubt": doubt,
            "server_records": records,
            "lost": max(0, ok - records),
            "duplicated": max(0, records - ok - doubt),
        }
    totals = {
        k: sum(t[k] for t in per_type.values())
        for k in ("client_ok", "in_doubt", "server_records", "lost", "duplicated")
    }
    return {**totals, "by_transaction": per_type}


def not_checked(reason: str, client: dict[str, dict[str, int]]) -> dict:
    """The contract's ``reconciliation`` when the service's records cannot be asked for:
    "not checked" and why, with what the client saw; never a count of 0 lost."""
    return {"checked": False, "not_checked": reason, "client": client}

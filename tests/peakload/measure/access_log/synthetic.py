"""A synthetic access log from a known closed workload, for round-trip tests."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

PATHS = {
    "login": ("POST", "/api/v1/auth/token"),
    "search_budget_codes": ("GET", "/api/v1/catalog/budget-codes?q=chi"),
    "create_payment": ("POST", "/api/v1/payment-orders"),
    "sign_payment": ("POST", "/api/v1/payment-orders/{id}/signature"),
    "submit_payment": ("POST", "/api/v1/payment-orders/{id}/submission"),
    "get_payment": ("GET", "/api/v1/payment-orders/{id}"),
    "list_payments": ("GET", "/api/v1/payment-orders?status=submitted"),
    "submit_dossier": ("POST", "/api/v1/dossiers"),
    "get_dossier": ("GET", "/api/v1/dossiers/{id}"),
    "get_statements": ("GET", "/api/v1/statements?from=2020-04-01&to=2020-04-30"),
}
FLOWS = {
    "payment": (
        6,
        ["search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment"],
    ),
    "review": (2, ["list_payments", "get_payment"]),
    "dossier": (3, ["submit_dossier", "get_dossier"]),
    "statements": (1, ["get_statements"]),
}
DAY = time.mktime((2020, 4, 27, 0, 0, 0, 0, 0, 0)) - time.timezone  # 2020-04-27 00:00 UTC


def line(end: float, unit: int, transaction: str, took: float, msec: bool = True) -> str:
    method, path = PATHS[transaction]
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(end))
    tail = f" {end:.3f}" if msec else ""
    return (
        f'127.0.0.1 - {unit} [{stamp}] "{method} {path.format(id=unit * 10)} HTTP/1.1" 200 120 '
        f'"-" "locust/2.47" {took:.3f}{tail}'
    )


def write_log(
    path: Path,
    users: int = 50,
    think_mean: float = 20.0,
    start_clock: float = 9 * 3600,
    minutes: float = 60.0,
    seed: int = 1,
    msec: bool = True,
) -> Path:
    """``users`` users working ``minutes`` each, starting over the first 5 minutes."""
    rng = np.random.default_rng(seed)
    names = list(FLOWS)
    weights = np.array([FLOWS[n][0] for n in names], dtype=float)
    records = []
    for user in range(users):
        unit = 1_000_001 + user
        t = DAY + start_clock + rng.uniform(0, 300)
        leave = t + minutes * 60
        took = rng.exponential(0.05)
        records.append((t + took, unit, "login", took))
        t += took
        while t < leave:
            for step in FLOWS[names[rng.choice(len(names), p=weights / weights.sum())]][1]:
                t += rng.exponential(think_mean)
                took = rng.exponential(0.05)
                t += took
                records.append((t, unit, step, took))
    records.sort()
    path.write_text("\n".join(line(*r, msec=msec) for r in records) + "\n")
    return path

"""CPU per transaction of the service doing real work, per process group, at low load.

Starts ``peakload serve --work real`` (its own PostgreSQL, ``--processes`` uvicorn
workers, optionally nginx in front) and sends each transaction ``--count`` times,
one at a time from one keep-alive client, as a budget unit's flow would: search,
create, sign, submit, get, list, statements, dossier, get dossier, foreign-loan
record. The CPU seconds of each process group (proxy, app, db) come from the
operating system (:class:`loadtests.process_cpu.ProcessCpu`, as ``--busy-time``
reads them), less what the group spends idle over the same wall time (measured
first: uvicorn's loop, expenditure control's polling, PostgreSQL's background
writers). Prints one row per transaction: CPU ms per request per group, and the
client's mean response time.

Usage: python benchmarks/real_work_cpu.py [--count 200] [--processes 1] [--proxy nginx]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from loadtests import payloads
from loadtests.ledger import Ledger
from loadtests.process_cpu import ProcessCpu, ProcessPattern
from loadtests.real_stack import RealStack
from peakload.core.scenario import Service
from peakload.core.units import DEV_UNIT_SECRET, FIRST_UNIT, unit_password

API = "/api/v1"
IDLE_S = 5.0


def groups(log_text: str, port: int) -> dict[str, ProcessPattern]:
    run_dir = re.search(r"stack files in (\S+);", log_text)[1]  # type: ignore[index]
    db_port = re.search(r"postgres PID \d+ on 127\.0\.0\.1:(\d+)", log_text)[1]  # type: ignore[index]
    patterns = {
        "proxy": ProcessPattern(f"-p {run_dir}/nginx"),
        "app": ProcessPattern(f"--port {port}"),
        "db": ProcessPattern(f"-p {db_port}"),
    }
    return patterns


def measure(
    cpu: ProcessCpu, idle: dict[str, float], count: int, call: Callable[[int], None]
) -> tuple[dict[str, float], float]:
    """(CPU ms per call per group less idle, mean wall ms per call)."""
    before, started = cpu.sample(), time.perf_counter()
    for i in range(count):
        call(i)
    wall = time.perf_counter() - started
    after = cpu.sample()
    spent = {g: (after[g] - before[g] - idle[g] * wall) * 1000 / count for g in before}
    return spent, wall * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--proxy", choices=["none", "nginx"], default="nginx")
    parser.add_argument("--units", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    keys = Ledger(run_token=os.urandom(8).hex())  # keys of this run only
    with tempfile.TemporaryDirectory(prefix="peakload-real-bench-") as tmp:
        server = RealStack(Path(tmp), processes=args.processes, proxy=args.proxy, units=args.units)
        try:
            server.wait_ready(600)
            cpu = ProcessCpu(groups("\n".join(server.lines()), server.port))
            client = httpx.Client(base_url=server.url, timeout=30)
            unit = FIRST_UNIT + 7
            password = unit_password(DEV_UNIT_SECRET, unit)
            token = client.post(
                f"{API}/auth/token", json={"unit_code": str(unit), "password": password}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            time.sleep(2.0)
            start_idle = cpu.sample()
            time.sleep(IDLE_S)
            end_idle = cpu.sample()
            idle = {g: (end_idle[g] - start_idle[g]) / IDLE_S for g in end_idle}
            print(f"idle CPU (s/s) by group: { {g: round(v, 4) for g, v in idle.items()} }")
            orders: list[int] = []
            dossiers: list[int] = []
            today = dt.datetime.now(dt.UTC).date()

            def ok(response: httpx.Response) -> httpx.Response:
                if response.status_code >= 400:
                    sys.exit(f"{response.request.url}: {response.status_code} {response.text}")
                return response

            steps: list[tuple[str, Callable[[int], None]]] = [
                ("login", lambda i: ok(client.post(
                    f"{API}/auth/token", json={"unit_code": str(unit), "password": password}))),
                ("search_budget_codes", lambda i: ok(client.get(
                    f"{API}/catalog/budget-codes",
                    params={"q": payloads.search_term(rng), "limit": 20}))),
                ("create_payment", lambda i: orders.append(ok(client.post(
                    f"{API}/payment-orders",
                    json=payloads.payment_order(rng, [], today.month))).json()["id"])),
                ("sign_payment", lambda i: ok(client.post(
                    f"{API}/payment-orders/{orders[i]}/signature",
                    json=payloads.signature(rng, orders[i])))),
                ("submit_payment", lambda i: ok(client.post(
                    f"{API}/payment-orders/{orders[i]}/submission",
                    headers={"Idempotency-Key": keys.new_key(rng)}))),
                ("get_payment", lambda i: ok(client.get(f"{API}/payment-orders/{orders[i]}"))),
                ("list_payments", lambda i: ok(client.get(f"{API}/payment-orders"))),
                ("get_statements", lambda i: ok(client.get(
                    f"{API}/statements",
                    params={"from": str(today - dt.timedelta(days=90)), "to": str(today)}))),
                ("submit_dossier", lambda i: dossiers.append(ok(client.post(
                    f"{API}/dossiers", json=payloads.dossier(rng, orders[i]))).json()["id"])),
                ("get_dossier", lambda i: ok(client.get(f"{API}/dossiers/{dossiers[i]}"))),
                ("record_foreign_loan", lambda i: ok(client.post(
                    f"{API}/foreign-loan-records",
                    json=payloads.foreign_loan_record(rng, ["7001"])))),
            ]  # fmt: skip
            print(f"{'transaction':<22}{'proxy ms':>10}{'app ms':>10}{'db ms':>10}{'wall ms':>10}")
            for name, call in steps:
                spent, wall = measure(cpu, idle, args.count, call)
                print(
                    f"{name:<22}{spent['proxy']:>10.2f}{spent['app']:>10.2f}"
                    f"{spent['db']:>10.2f}{wall:>10.2f}"
                )
            # Expenditure control decides each submitted order later, off any request's
            # path: accepted (or rejected) accept_after_s after submission, paid
            # pay_after_s after that. Wait for every order to be paid, then count it.
            service = Service()
            settle_s = service.accept_after_s + service.pay_after_s + 3.0
            spent, _ = measure(cpu, idle, len(orders), lambda i: time.sleep(settle_s / len(orders)))
            print(f"{'control, per order':<22}{spent['proxy']:>10.2f}{spent['app']:>10.2f}"
                  f"{spent['db']:>10.2f}{'(later)':>10}")  # fmt: skip
        finally:
            server.stop(120)


if __name__ == "__main__":
    main()

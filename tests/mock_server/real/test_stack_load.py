"""The real service as a server stack under a short load test: ``peakload serve --work
real --processes 2 --proxy nginx`` on the session's PostgreSQL, driven by the load test
unchanged, its busy time read from the operating system per process group."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import numpy as np
import psutil
import pytest

from loadtests.real_stack import RealStack
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.contract.api import DEV_ADMIN_TOKEN, TRANSACTIONS
from peakload.measure.calibration import tier_file
from peakload.measure.stats import Outcome

pytestmark = [pytest.mark.slow, pytest.mark.load]

SCENARIO = Path(__file__).with_name("real-stack.toml")
UNITS = 300


def test_the_real_stack_answers_the_load_test_and_its_processes_are_measured(
    postgres_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("PEAKLOAD_ADMIN_TOKEN", DEV_ADMIN_TOKEN)
    database = postgres_server.create_database()
    stack = RealStack(tmp_path / "stack", processes=2, proxy="nginx", db=database, units=UNITS)
    port = stack.port
    try:
        stack.wait_ready()
        workers, proxy = stack.pids("worker"), stack.pids("nginx")
        assert len(workers) == 2 and len(proxy) == 1
        assert all(psutil.pid_exists(pid) for pid in workers + proxy)
        health = json.load(urllib.request.urlopen(f"{stack.url}/healthz", timeout=5))
        assert health["status"] == "ok" and health["emulating"] is False
        run_dir = Path(stack.lines()[0].split(" in ")[1].split(";")[0])
        busy = tmp_path / "busy.toml"
        busy.write_text(
            "[tiers]\n"
            f'proxy = {{ process = "-p {run_dir / "nginx"}" }}\n'
            f'app = {{ process = "--port {port}" }}\n'
            f'db = {{ process = "-p {postgres_server.port}" }}\n'
        )
        run = loadtest(
            LoadTestOptions(
                scenario_path=SCENARIO,
                host=stack.url,
                compress=10,
                out=str(tmp_path / "out"),
                busy_map_path=busy,
            )
        )
    finally:
        stack.stop()
    summary = json.loads((run.run_dir / "summary.json").read_text())
    names = list(summary["transactions"])
    raw = [np.load(p) for p in (run.run_dir / "raw").glob("requests-*.npz")]
    sent = np.concatenate([r["transaction"] for r in raw])
    outcome = np.concatenate([r["outcome"] for r in raw])
    status = np.concatenate([r["status"] for r in raw])
    assert {names[i] for i in sent} == set(TRANSACTIONS)  # every transaction was answered
    assert np.all(outcome == Outcome.OK), sorted(
        set(zip(sent.tolist(), status.tolist(), strict=True))
    )
    assert summary["reconciliation"]["lost"] == 0
    assert summary["reconciliation"]["duplicated"] == 0
    assert summary["reconciliation"]["client_ok"] > 0
    series = tier_file.read(run.run_dir / tier_file.FILENAME)
    assert series is not None
    spent = {tier: float(np.ptp(busy_s)) for tier, busy_s in series.busy_s.items()}
    assert spent["app"] > 0 and spent["db"] > 0 and spent["proxy"] > 0
    for tier in ("proxy", "app", "db"):  # the processes' CPU share of the tier's servers
        assert 0 < summary["tiers"][tier]["utilization"] < 1, summary["tiers"]
    print("utilization", {t: round(v["utilization"], 4) for t, v in summary["tiers"].items()})
    per_request = {tier: round(1000 * s / len(sent), 2) for tier, s in spent.items()}
    print(f"{len(sent)} requests; CPU ms per request by process group: {per_request}")
    log = "\n".join(stack.lines())
    for pid in workers + proxy:
        assert re.search(rf"stopped \w+ PID {pid} ", log)
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"

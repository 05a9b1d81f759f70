"""``from-log`` writes a request map that load-tests the service its log came from.

The example invoicing service (examples/invoices/service.py, not our mock)
behind Debian's nginx with its default ``combined`` log; a short load test
through nginx with the example's own map; ``from-log`` on what nginx wrote;
then the marked placeholders filled the way a user would (the new id's real
JSON path, the create's body, the sign-in copied from the example map) and
the derived scenario load-tested again through nginx: a summary, every
transaction measured, none failed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from peakload.app.from_log.job import FromLogOptions, from_log
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.cli import main
from peakload.core.request_map import load_request_map
from peakload.measure.access_log.derived import RouteNaming
from peakload.measure.access_log.derived_map import BODY_NOTE, CAPTURE_NOTE
from tests.loadtests.invoices import CREDENTIALS, MAP, SCENARIO, invoices_service
from tests.nginx import NGINX, Nginx

pytestmark = [pytest.mark.load, pytest.mark.slow, pytest.mark.untimed]  # counts and errors

BILLING = ("create_invoice", "approve_invoice", "get_invoice")
LISTS = ("get_invoices", "get_stats_invoices")


def fill_placeholders(derived_map: Path) -> list[str]:
    """What a user does to the derived map before a load test, as a scripted edit; returns
    the placeholders filled, each by the ``# PLACEHOLDER`` comment that marks it."""
    text = derived_map.read_text()
    filled = []
    # 1. The new invoice's id is the answer's "uuid", not the "id" the log cannot show.
    old = 'capture = { invoice = { json = "$.id" } }'
    assert f"{CAPTURE_NOTE}\n{old}" in text
    text = text.replace(old, 'capture = { invoice = { json = "$.uuid" } }')
    filled.append("transactions.create_invoice.capture.invoice: $.id -> $.uuid")
    # 2. The create's body, as the example map sends it.
    (body,) = [line for line in MAP.read_text().splitlines() if line.startswith("body = { cust")]
    head, rest = text.split("[transactions.create_invoice]")
    assert f"{BODY_NOTE}\nbody = {{}}" in rest.split("\n[")[0]
    text = head + "[transactions.create_invoice]" + rest.replace("body = {}", body, 1)
    filled.append("transactions.create_invoice.body: {} -> the example's invoice")
    # 3. The sign-in, copied from the example map (credentials from the environment).
    example = "[sign_in]" + MAP.read_text().split("[sign_in]")[1].split("[transactions.")[0]
    start, end = text.index("[sign_in]"), text.index("[transactions.")
    assert (
        "# PLACEHOLDER: the log shows a sign-in, transaction login: POST /v2/login"
        in (text[start:end])
    )
    text = text[:start] + example + text[end:]
    filled.append('sign_in: kind = "none" -> the example\'s login')
    derived_map.write_text(text)
    return filled


@pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="nginx not installed")
def test_from_log_writes_a_request_map_that_runs_once_its_placeholders_are_filled(
    tmp_path, monkeypatch, capsys
):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    access_log = tmp_path / "nginx-access.log"
    derived = tmp_path / "derived.toml"
    with invoices_service(tmp_path / "service.log") as url:
        proxy = Nginx(tmp_path / "nginx", int(url.rsplit(":", 1)[1]), access_log)
        try:
            proxy.wait_ready()
            loadtest(
                LoadTestOptions(
                    scenario_path=SCENARIO, host=proxy.url, compress=40, out="first", plots=False
                )
            )
            run = from_log(FromLogOptions(logs=(access_log,), out=derived, plots=False))
            assert run.workload.naming is RouteNaming.TEMPLATES
            assert BILLING in {f.steps for f in run.workload.flows}
            assert run.requests_path == tmp_path / "derived.requests.toml"
            request_map = load_request_map(run.requests_path)
            assert main(["check", str(derived)]) == 0
            assert 'requests = "derived.requests.toml"' in derived.read_text()
            # The ids flow as the example's map says, inferred from the flows alone.
            requests = request_map.transactions
            # GET /v2/invoices is get_invoices: its short name, list_invoices, is also that of
            # GET /v2/stats/invoices, the count the first run's reconciliation asked for.
            assert set(requests) == {*BILLING, *LISTS}
            assert requests["approve_invoice"].path == "/v2/invoices/{invoice}/approve"
            assert requests["get_invoice"].path == "/v2/invoices/{invoice}"
            assert requests["get_invoices"].path == "/v2/invoices"
            assert requests["get_stats_invoices"].path == "/v2/stats/invoices"
            assert request_map.sign_in.kind == "none"
            # As derived, the service refuses it (no sign-in): a clear exit 2, not a run.
            args = ["loadtest", "--scenario", str(derived), "--host", proxy.url]
            args += ["--compress", "4", "--quiet", "--no-plots"]
            capsys.readouterr()
            assert main([*args, "--out", "as-derived"]) == 2
            assert "HTTP 401" in capsys.readouterr().err

            filled = fill_placeholders(run.requests_path)
            code = main([*args, "--out", "filled"])
        finally:
            proxy.stop()
    assert len(filled) == 3
    assert code in (0, 1), capsys.readouterr().err  # judged (the derived SLO is the default)
    (run_dir,) = (tmp_path / "filled").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    transactions = summary["transactions"]
    for name in (*BILLING, "get_invoices"):
        assert transactions[name]["count"] > 0, name
        assert transactions[name]["errors"] == 0, (name, transactions[name])
    assert transactions["approve_invoice"]["count"] >= 10
    assert re.search(r'"errors": [1-9]', json.dumps(transactions)) is None

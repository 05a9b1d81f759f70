"""``from-log`` on the log a real nginx wrote: nginx (Debian's) in front of ``peakload
serve``, with nginx's default ``combined`` log, a short ci-smoke load test through it,
a health probe and a crawler beside the users."""

from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path

import pytest

from loadtests.mock_process import MockServer
from peakload.app.from_log.job import FromLogOptions, from_log
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.core.scenario_file import load_scenario
from peakload.measure.access_log.clients import DropReason
from peakload.measure.access_log.derived import RouteNaming
from tests.nginx import NGINX, Nginx

pytestmark = [pytest.mark.load, pytest.mark.slow, pytest.mark.untimed]  # users, flows, lines

SCENARIOS = Path(__file__).resolve().parents[4] / "scenarios"
PAYMENT = ("search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment")
# As the real programs send them (Kubernetes' prober; Google's crawler documentation).
KUBE_PROBE = "kube-probe/1.29"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _visit(url: str, agent: str) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
    except OSError:
        pass  # a 404 or 401 is still a line in the log


class _Bystanders(threading.Thread):
    """A probe every 0.5 s and a crawler every 2 s through nginx, until stopped."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base = base
        self.done = threading.Event()
        self.sent = {DropReason.PROBE: 0, DropReason.CRAWLER: 0}

    def run(self) -> None:
        tick = 0
        while not self.done.wait(0.5):
            _visit(f"{self.base}/healthz", KUBE_PROBE)
            self.sent[DropReason.PROBE] += 1
            if tick % 4 == 0:
                _visit(f"{self.base}/api/v1/catalog/budget-codes?q=chi", GOOGLEBOT)
                self.sent[DropReason.CRAWLER] += 1
            tick += 1


@pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="nginx not installed")
def test_from_log_reads_what_nginx_wrote_in_front_of_the_mock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    smoke = SCENARIOS / "ci-smoke.toml"
    access_log = tmp_path / "nginx-access.log"
    mock = MockServer(smoke, tmp_path / "mock.db")
    proxy = None
    bystanders = None
    try:
        mock.wait_ready()
        proxy = Nginx(tmp_path / "nginx", mock.port, access_log)
        proxy.wait_ready()
        bystanders = _Bystanders(proxy.url)
        bystanders.start()
        loadtest(
            LoadTestOptions(
                scenario_path=smoke, host=proxy.url, compress=30, out="out", plots=False
            )
        )
    finally:
        if bystanders is not None:
            bystanders.done.set()
            bystanders.join(10)
        if proxy is not None:
            proxy.stop()
        mock.stop()
    first = access_log.read_text().splitlines()[0]
    assert first.startswith("127.0.0.1 - - [") and first.endswith('"')  # combined, no duration

    run = from_log(FromLogOptions(logs=(access_log,), out=tmp_path / "derived.toml", plots=False))
    workload = run.workload
    assert workload.naming is RouteNaming.MOCK
    assert workload.open_sessions.max() == pytest.approx(60, rel=0.15)
    flows = {f.steps: f.count for f in workload.flows}
    assert PAYMENT in flows
    expected = 6 / sum(f.weight for f in load_scenario(smoke).flow_list)
    assert flows[PAYMENT] / sum(flows.values()) == pytest.approx(expected, abs=0.10)
    dropped = workload.not_users.dropped
    assert dropped[DropReason.PROBE] == bystanders.sent[DropReason.PROBE] > 0
    assert dropped[DropReason.CRAWLER] == bystanders.sent[DropReason.CRAWLER] > 0
    assert "healthz" not in " ".join(workload.unknown)

"""Issue 20's case: a load test whose sign-ins all fail stops at once, exit 2, one line.

The mock runs with one ``PEAKLOAD_UNIT_SECRET``, the load test with another:
every sign-in is answered 401. The run must stop after a handful of them (the
server's own request counter says how many it made), never sign in for two
minutes and print a table: with the default users (our API's tasks module,
``loadtests/maps/treasury.py``) and through the declarative map of our own API
(its sign-in step names the secret just the same).
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from loadtests.mock_process import MockServer
from peakload.cli import main
from peakload.contract.api import DEV_ADMIN_TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.load]

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "ci-smoke.toml"
TREASURY = ROOT / "loadtests" / "maps" / "treasury.requests.toml"
LOGIN_401 = re.compile(
    r'^peakload_requests_total\{method="POST",route="login",status="401"\} (\d+)', re.M
)


def sign_ins_refused(url: str) -> int:
    """The server's count of 401 answers to sign-ins, from its Prometheus page."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = LOGIN_401.search(text.replace(".0\n", "\n"))
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize(
    "users", [[], ["--requests", str(TREASURY)]], ids=["default tasks module", "treasury map"]
)
def test_a_wrong_unit_secret_stops_the_run_with_the_401_line(tmp_path, monkeypatch, capsys, users):
    server = MockServer(
        SMOKE, tmp_path / "mock.db", env={"PEAKLOAD_UNIT_SECRET": "the-servers-secret"}
    )
    try:
        server.wait_ready()
        monkeypatch.setenv("PEAKLOAD_UNIT_SECRET", "another-secret")
        monkeypatch.setenv("PEAKLOAD_ADMIN_TOKEN", DEV_ADMIN_TOKEN)  # the map's counts need it
        args = ["--scenario", str(SMOKE), "--host", server.url, "--compress", "20", *users]
        code = main(["loadtest", *args, "--out", str(tmp_path / "out"), "--quiet"])
        made = sign_ins_refused(server.url)
    finally:
        server.stop()
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "401 on POST /api/v1/auth/token" in lines[0]
    assert '{"detail":"unknown unit code or wrong password"}' in lines[0]
    assert "PEAKLOAD_UNIT_SECRET differs from the server's" in lines[0]
    # The pool is 60 users (5 %: 3 sign-ins); the run made 1,753 before it gave up.
    # Those in flight when the third answer comes back are sent too (a dozen on a loaded
    # machine): still 20 at most, the most the probe ever waits for.
    assert 3 <= made <= 20, made

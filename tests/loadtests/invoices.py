"""The example invoicing service (examples/invoices/service.py), started by PID for a test.

A foreign target: not our mock, another framework (Starlette), another
resource model and sign-in. Its credentials are set in its environment and,
for the load test, in the test's (``CREDENTIALS``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadtests.mock_process import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "invoices"
SCENARIO = EXAMPLE / "invoices.toml"
MAP = EXAMPLE / "invoices.requests.toml"
TASKS = EXAMPLE / "invoices_tasks.py"
CREDENTIALS = {
    "INVOICES_USER": "ana",
    "INVOICES_PASSWORD": "correct-horse",
    "INVOICES_API_TOKEN": "static-api-token",
    "INVOICES_CLIENT_ID": "loadtest-client",
    "INVOICES_CLIENT_SECRET": "client-secret",
}


@contextmanager
def invoices_service(log: Path, **env: str) -> Iterator[str]:
    """The service on a free loopback port (its URL); stopped by its PID on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(EXAMPLE / "service.py"), "--port", str(port)],
            env={**os.environ, **CREDENTIALS, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the invoices service exited: {log.read_text()[-500:]}")
        try:
            urllib.request.urlopen(f"{url}/v2/invoices", timeout=1)
        except urllib.error.HTTPError:  # 401: it answers
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"the invoices service did not answer within {timeout_s:.0f} s")


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "your-service.md"
"""The documentation page "Load-test your own service"."""


def readme_blocks(language: str) -> list[str]:
    """The ``language`` code blocks of the page "Load-test your own service"."""
    return [block.split("```")[0] for block in GUIDE.read_text().split(f"```{language}\n")[1:]]


def readme_sign_in(kind: str) -> str:
    """The page's ``[sign_in]`` block of ``kind``, as written there."""
    (block,) = [
        b for b in readme_blocks("toml") if b.startswith("[sign_in]") and f'kind = "{kind}"' in b
    ]
    return block

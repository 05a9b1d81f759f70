"""Start and stop ``peakload serve`` as a child process, by its own PID.

Used by the load-test runner (no --host: it starts the mock itself) and by
tests. The server is started directly (no shell), so the PID we hold is the
server's and stopping it never orphans anything (a server started through a
shell would leave ``$!`` holding the subshell's PID, not the server's).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


READY_TIMEOUT_S = 90.0
"""How long a started server may take to answer ``/healthz``: seeding the 92,456
budget units of a fresh database took over 30 s on a machine running two load
tests per core beside other work (a deadline to give up by, not a figure judged)."""


class MockServerError(RuntimeError):
    pass


class MockServer:
    """A running mock service; use as a context manager so it always stops."""

    def __init__(
        self,
        scenario: str | Path | None,
        db_path: str | Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_path: str | Path | None = None,
        db_url: str | None = None,
    ):
        """Start ``peakload serve`` for ``scenario`` (None: no emulation) on a free
        port (or ``port``), on the SQLite file ``db_path`` or on ``db_url`` when
        given (e.g. ``postgresql+psycopg://...``); ``env`` adds variables."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "peakload.cli",
            "serve",
            "--port",
            str(self.port),
            "--db",
            db_url or f"sqlite:///{db_path}",
        ]
        if scenario is not None:
            command += ["--scenario", str(scenario)]
        self.log_path = Path(log_path) if log_path else Path(db_path).with_suffix(".log")
        self._log = self.log_path.open("a")  # a restarted server adds to its log
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> MockServer:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MockServerError(
                    f"mock server exited with {self.process.returncode}: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise MockServerError(f"mock server not ready after {timeout_s:.0f} s: {self.log_tail()}")

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it will not go."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def kill(self) -> int | None:
        """SIGKILL, as a crash would: no shutdown, nothing flushed."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._log.close()
        return self.process.returncode

    def log_tail(self, lines: int = 15) -> str:
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> MockServer:
        return self.wait_ready()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Start and stop the real-work stack, ``peakload serve --work real``, by its own PID.

The stack is PostgreSQL (its own, under ``out``, unless ``db`` names one),
``processes`` uvicorn workers and, with ``proxy="nginx"``, Debian's nginx in
front. Its supervisor reports each process by PID on standard output, one line
each, and ``ready: URL`` once every one of them answers; :class:`RealStack`
starts the supervisor (directly, no shell, so the PID held is its own), waits
for that line, reads the PIDs back and stops the whole stack with one SIGTERM
to the supervisor, which stops what it started::

    with RealStack(tmp / "stack", units=300, core=0) as stack:
        ...                              # load tests against stack.url
        stack.pids("worker")             # [4711]

``core`` pins the stack to one CPU (``taskset -c``, which execs the server, so
the PID is still the server's): on a 2-core machine the stack gets one core and
the load generator the other (docs/real-service.md). ``units`` is the number
of budget units seeded (``PEAKLOAD_UNITS``): fewer seed faster.

Used by the real-service experiment (tests/mock_server/real), the stack's load
test and the benchmarks that measure the stack's CPU.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from loadtests.mock_process import free_port

READY_TIMEOUT_S = 180.0
"""How long the stack may take to say ``ready:``: initdb, seeding the units and
starting the workers took up to a minute on a busy 2-core machine (a deadline to
give up by, not a figure judged)."""


class RealStackError(RuntimeError):
    """The stack exited, or did not say it was ready in time; the message has its logs."""


class RealStack:
    """A running real-work stack; use as a context manager so it always stops."""

    def __init__(
        self,
        out: Path,
        port: int | None = None,
        *,
        processes: int = 1,
        proxy: str = "none",
        db: str | None = None,
        units: int | None = None,
        core: int | None = None,
    ):
        """Start the stack with its run directory under ``out`` on ``port`` (a free
        one when None); its standard output goes to ``out/serve.log``, its errors
        to ``out/serve.err``."""
        out.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = out / "serve.log"
        self.errors = out / "serve.err"
        command = [sys.executable, "-m", "peakload.cli", "serve", "--work", "real",
                   "--processes", str(processes), "--proxy", proxy,
                   "--port", str(self.port), "--out", str(out)]  # fmt: skip
        if db is not None:
            command += ["--db", db]
        if core is not None:
            command = ["taskset", "-c", str(core), *command]
        env = dict(os.environ)
        if units is not None:
            env["PEAKLOAD_UNITS"] = str(units)
        with self.log.open("w") as log, self.errors.open("w") as errors:
            # its own session: the stack's processes are its process group, which a
            # supervisor that will not stop is killed with (never anyone else's)
            self.process = subprocess.Popen(
                command, stdout=log, stderr=errors, env=env, start_new_session=True
            )

    @property
    def pid(self) -> int:
        """The supervisor's PID: every process of the stack descends from it."""
        return self.process.pid

    def lines(self) -> list[str]:
        """What the supervisor has reported so far, line by line."""
        return self.log.read_text(errors="replace").splitlines()

    def pids(self, role: str) -> list[int]:
        """The PIDs reported for ``role`` ("worker", "postgres", "nginx")."""
        return [int(m[1]) for line in self.lines() if (m := re.match(rf"{role} PID (\d+)", line))]

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> RealStack:
        """Wait for ``ready:``; stop the stack and raise :class:`RealStackError` with
        its logs if it exits first or ``timeout_s`` passes."""
        deadline = time.monotonic() + timeout_s
        while not any(line.startswith("ready: ") for line in self.lines()):
            if self.process.poll() is not None:
                raise RealStackError(f"the stack exited with {self.process.returncode}:\n"
                                     f"{self.log_tail()}")  # fmt: skip
            if time.monotonic() > deadline:
                self.stop()
                raise RealStackError(f"the stack was not ready after {timeout_s:.0f} s:\n"
                                     f"{self.log_tail()}")  # fmt: skip
            time.sleep(0.2)
        return self

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` of its report and of its errors."""
        errors = self.errors.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(self.lines()[-lines:] + errors)

    def stop(self, timeout_s: float = 60.0) -> int | None:
        """SIGTERM to the supervisor (it stops PostgreSQL, the workers and nginx),
        then, if it will not go, SIGKILL to its process group: the supervisor and
        every process of the stack, none orphaned."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def __enter__(self) -> RealStack:
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

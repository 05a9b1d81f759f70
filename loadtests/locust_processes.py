"""The Locust processes of a load test: the command of each, and how each is stopped.

One process for a plan with one worker; otherwise a master (which writes the
reports) and ``plan.workers`` local workers, joined on a free loopback port.
Every process runs ``loadtests/locustfile.py`` headless with the plan in its
environment (the runner sets it); the master's stop timeout lets a user's
last request and its retries finish before Locust stops it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import loadtests
from loadtests.mock_process import free_port
from peakload.core.plan import Plan

LOCUSTFILE = Path(loadtests.__file__).parent / "locustfile.py"


def locust_commands(plan: Plan, host: str, run_dir: Path, reports: bool = True) -> list[list[str]]:
    """The command of each Locust process, the master's (or the only one's) first:
    its reports (CSVs, HTML) go to ``run_dir``, unless ``reports`` is False (no one
    reads them: calibrate's phases)."""
    base = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--host",
        host,
        "--loglevel",
        "WARNING",
    ]
    stop_timeout = plan.scenario.workload.timeout_s * (plan.scenario.workload.retries + 1) + 5
    headless = ["--headless", "--only-summary", "--stop-timeout", f"{stop_timeout:.0f}"]
    if reports:
        headless += [
            "--csv",
            str(run_dir / "locust"),
            "--csv-full-history",
            "--html",
            str(run_dir / "locust-report.html"),
        ]
    if plan.workers <= 1:
        return [base + headless]
    port = free_port()
    master = (
        base
        + headless
        + [
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            str(plan.workers),
        ]
    )
    worker = [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    return [master] + [worker] * plan.workers


def stop(process: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """SIGTERM (Locust writes its reports), then SIGKILL after ``timeout_s``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

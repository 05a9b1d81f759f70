"""A throwaway PostgreSQL server for tests, from Debian's packages.

``initdb`` into a temporary directory as the ``postgres`` user, ``postgres``
started directly (``subprocess.Popen(user="postgres")``, so the PID we hold
is the server's) on a free loopback port, a fresh database per test, and
``stop()`` by that PID even when tests fail. Where the server binaries or the
``postgres`` user are missing, :func:`find_binaries` says why; CI installs
them (``.ci/run``), so there a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from loadtests.mock_process import free_port

BIN_GLOB = "/usr/lib/postgresql/*/bin"


def find_binaries() -> tuple[Path | None, str]:
    """The directory with ``initdb`` and ``postgres``, or None and the reason."""
    if os.geteuid() != 0:
        return None, "PostgreSQL tests start the server as the postgres user: run as root"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None, "no 'postgres' user (apt-get install postgresql)"
    for candidate in sorted(Path("/").glob(BIN_GLOB.lstrip("/")), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate, ""
    return None, f"no PostgreSQL server binaries under {BIN_GLOB} (apt-get install postgresql)"


class PostgresServer:
    """One server for a test session; :meth:`create_database` gives each test its own."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="peakload-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        user = pwd.getpwnam("postgres")
        os.chown(self.root, user.pw_uid, user.pw_gid)
        subprocess.run(
            [bin_dir / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            user="postgres",
            check=True,
            capture_output=True,
        )
        self.log = (self.root / "server.log").open("w")
        self.process = subprocess.Popen(
            [
                bin_dir / "postgres",
                "-D", self.data,
                "-p", str(self.port),
                "-k", self.root,
                "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=300",
                "-c", "fsync=on",
            ],
            user="postgres",
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self, timeout_s: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'server.log').read_text()}")
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError("postgres did not accept connections in 30 s")

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh database; returns its SQLAlchemy URL (psycopg 3 driver)."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Fast shutdown by our own PID, then the files go."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # postgres: fast shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)

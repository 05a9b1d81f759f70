"""A PostgreSQL server of the real service's own, from Debian's packages.

When ``serve --work real`` is given no ``--db``, it runs ``initdb`` into a fresh
temporary directory (the ``postgres`` user must reach it, which a run directory
under a root-only path would not allow) and starts ``postgres`` directly as a
child (as the ``postgres`` user when run as root, since PostgreSQL refuses to
run as root), in a session of its own so that only this process stops it: by
its PID, with a fast shutdown. The directory goes when it stops: the database is
seeded afresh at every start.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from mock_server.real.processes import start_child, stop_child

BIN_GLOB = "usr/lib/postgresql/*/bin"
MAX_CONNECTIONS = 400  # N workers x (pool 20 + overflow 20) and psql


class PostgresUnavailable(RuntimeError):
    """No server binaries, or the server would not start (one line: why)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def find_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb and postgres."""
    for candidate in sorted(Path("/").glob(BIN_GLOB), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise PostgresUnavailable(
        f"no PostgreSQL server under /{BIN_GLOB} (apt-get install postgresql), or give --db"
    )


class LocalPostgres:
    """``initdb`` + ``postgres`` in a temporary directory; :meth:`stop` by PID."""

    def __init__(self, bin_dir: Path | None = None):
        self.bin_dir = bin_dir or find_bin_dir()
        root = Path(tempfile.mkdtemp(prefix="peakload-real-pg-"))
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            try:
                entry = pwd.getpwnam(self.user)
            except KeyError:
                raise PostgresUnavailable(
                    "no 'postgres' user (apt-get install postgresql)"
                ) from None
            os.chown(root, entry.pw_uid, entry.pw_gid)
        initdb: list[str | Path] = [
            self.bin_dir / "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
        ]
        done = subprocess.run(
            [*initdb, "-E", "UTF8"], user=self.user, capture_output=True, text=True
        )
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip().splitlines()[-1]}")
        self.log_path = root / "server.log"
        with self.log_path.open("w") as log:
            if self.user is not None:
                os.chown(self.log_path, entry.pw_uid, entry.pw_gid)
            self.process = start_child(
                [
                    self.bin_dir / "postgres",
                    "-D", self.data,
                    "-p", str(self.port),
                    "-k", root,
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", f"max_connections={MAX_CONNECTIONS}",
                ],
                log,
                self.user,
            )  # fmt: skip
        self._wait_ready()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its ``postgres`` database (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace").strip().splitlines()[-1:]
                shutil.rmtree(self.root, ignore_errors=True)
                raise PostgresUnavailable(f"postgres exited: {' '.join(tail)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if "ready to accept connections" in self.log_path.read_text(errors="replace"):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise PostgresUnavailable(f"postgres did not accept connections in {timeout_s:.0f} s")

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """Fast shutdown (SIGINT) by PID, SIGKILL past ``timeout_s``; the exit code."""
        code = stop_child(self.process, signal.SIGINT, timeout_s)
        shutil.rmtree(self.root, ignore_errors=True)
        return code

"""The real service as a server stack: PostgreSQL, N uvicorn workers, nginx in front.

:class:`RealStack` starts, in order and each as a child process it holds by PID:

1. PostgreSQL (:class:`~mock_server.real.postgres.LocalPostgres`), unless a ``--db``
   URL names one already running;
2. nothing else until the database is seeded (:func:`~mock_server.real.seed.prepare`)
   and the certificate chain generated into the run directory;
3. ``processes`` uvicorn workers, one listening socket shared by all (the kernel
   hands each connection to one of them, as gunicorn's workers share theirs); the
   first also runs expenditure control, the background job that accepts and pays
   submitted orders;
4. with ``proxy = nginx``, nginx on the public address in front of the workers,
   which then listen on a free loopback port.

Every PID is reported as it starts. :meth:`RealStack.stop` stops them in the
reverse order by PID (nginx SIGQUIT, workers SIGTERM, PostgreSQL SIGINT: each
its graceful or fast shutdown, SIGKILL past a deadline) and reports each exit.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from mock_server import db
from mock_server.real.nginx import Proxy
from mock_server.real.pki import TrustChain
from mock_server.real.postgres import LocalPostgres, free_port
from mock_server.real.seed import prepare
from mock_server.settings import Settings
from peakload.core.runtime import raise_fd_limit
from peakload.core.scenario import Service

STOP_TIMEOUT_S = 20.0
READY_TIMEOUT_S = 120.0


class ProxyKind(StrEnum):
    """What stands in front of the workers."""

    NONE = "none"
    NGINX = "nginx"


class StackError(RuntimeError):
    """A part of the stack would not start (one line: which and why)."""


@dataclass(frozen=True)
class StackOptions:
    """Where the stack listens, how many workers, what is in front, where its files go."""

    run_dir: Path
    bind: str = "127.0.0.1"
    port: int = 8000
    processes: int = 1
    proxy: ProxyKind = ProxyKind.NONE
    orders_per_unit: int = 24
    keep_alive_s: int = 75
    service: Service | None = None


def _run_worker(
    settings: Settings,
    chain_dir: Path,
    service: Service | None,
    sock: socket.socket,
    keep_alive_s: int,
    control: bool,
) -> None:
    """One worker process: the real app under uvicorn on the shared socket."""
    import uvicorn

    from mock_server.real.app import create_real_app
    from mock_server.slow_clients import protocol_with_deadline

    raise_fd_limit()
    config = uvicorn.Config(
        create_real_app(settings, chain_dir, service, control),
        timeout_keep_alive=keep_alive_s,
        access_log=False,
        log_level="warning",
        loop="uvloop",
        http=protocol_with_deadline(settings.header_timeout_s),
    )
    uvicorn.Server(config).run(sockets=[sock])


class RealStack:
    """The processes of the real service; :meth:`start`, :meth:`wait`, :meth:`stop`."""

    def __init__(
        self, options: StackOptions, settings: Settings, report: Callable[[str], None] = print
    ):
        self.options = options
        self.settings = settings
        self.report = report
        self.postgres: LocalPostgres | None = None
        self.workers: list[multiprocessing.process.BaseProcess] = []
        self.proxy: Proxy | None = None
        self.socket: socket.socket | None = None
        self.worker_port = options.port

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.options.bind in ("0.0.0.0", "") else self.options.bind
        return f"http://{host}:{self.options.port}"

    def pids(self) -> dict[str, list[int]]:
        """Every process of the stack by role, for the process busy-time source."""
        return {
            "db": [self.postgres.pid] if self.postgres else [],
            "app": [w.pid for w in self.workers if w.pid is not None],
            "proxy": [self.proxy.pid] if self.proxy else [],
        }

    def start(self) -> None:
        options = self.options
        options.run_dir.mkdir(parents=True, exist_ok=True)
        self.report(f"stack files in {options.run_dir}; this process is PID {os.getpid()}")
        settings = self.settings
        if settings.db.startswith("sqlite") and "db" not in settings.model_fields_set:
            self.postgres = LocalPostgres()
            self.report(
                f"postgres PID {self.postgres.pid} on 127.0.0.1:{self.postgres.port} "
                f"(data in {self.postgres.data})"
            )
            settings = settings.model_copy(update={"db": self.postgres.url})
            self.settings = settings
        engine = db.make_engine(settings.db)
        try:
            seeded = prepare(engine, settings.units, options.orders_per_unit)
        finally:
            engine.dispose()
        if seeded:
            self.report(f"seeded {seeded:,} paid payment orders for {settings.units:,} units")
        chain_dir = options.run_dir / "pki"
        TrustChain.generate().save(chain_dir)
        self.report(f"certificate chain (root, intermediate, signers) in {chain_dir}")
        if options.proxy is ProxyKind.NGINX:
            self.worker_port = free_port()
            address = ("127.0.0.1", self.worker_port)
        else:
            address = (options.bind, options.port)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind(address)
        except OSError as exc:
            raise StackError(f"cannot listen on {address[0]}:{address[1]}: {exc}") from None
        self.socket.listen(4096)
        context = multiprocessing.get_context("spawn")
        for i in range(options.processes):
            worker = context.Process(
                target=_run_worker,
                args=(
                    settings,
                    chain_dir,
                    options.service,
                    self.socket,
                    options.keep_alive_s,
                    i == 0,  # expenditure control runs in one worker
                ),
                name="peakload-real-worker",
            )
            worker.start()
            self.workers.append(worker)
            self.report(f"worker PID {worker.pid} on 127.0.0.1:{self.worker_port}")
        self._wait_healthy(f"http://127.0.0.1:{self.worker_port}/healthz")
        if options.proxy is ProxyKind.NGINX:
            self.proxy = Proxy(
                options.run_dir / "nginx",
                options.bind,
                options.port,
                self.worker_port,
                keep_alive_s=options.keep_alive_s,
            )
            self.report(f"nginx PID {self.proxy.pid} on {options.bind}:{options.port}")
        self.report(f"ready: {self.url}")

    def _wait_healthy(self, url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if dead := self.exited():
                raise StackError(f"{dead} exited while starting")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise StackError(f"the workers did not answer {url} within {READY_TIMEOUT_S:.0f} s")

    def exited(self) -> str | None:
        """The first process of the stack that is no longer running, named; or None."""
        if self.postgres is not None and self.postgres.process.poll() is not None:
            return f"postgres PID {self.postgres.pid}"
        for worker in self.workers:
            if not worker.is_alive():
                return f"worker PID {worker.pid} (exit {worker.exitcode})"
        if self.proxy is not None and self.proxy.process.poll() is not None:
            return f"nginx PID {self.proxy.pid}"
        return None

    def wait(self, stop_requested: Callable[[], bool]) -> str | None:
        """Until ``stop_requested()`` or a process exits; returns the one that exited."""
        while not stop_requested():
            if dead := self.exited():
                return dead
            time.sleep(0.5)
        return None

    def stop(self) -> None:
        """Stop every process by PID, front to back, and report how each ended."""
        if self.proxy is not None:
            code = self.proxy.stop()
            self.report(f"stopped nginx PID {self.proxy.pid} (exit {code})")
        for worker in self.workers:
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            worker.join(STOP_TIMEOUT_S)
            if worker.is_alive():
                worker.kill()
                worker.join()
            self.report(f"stopped worker PID {worker.pid} (exit {worker.exitcode})")
        if self.socket is not None:
            self.socket.close()
        if self.postgres is not None:
            code = self.postgres.stop(STOP_TIMEOUT_S)
            self.report(f"stopped postgres PID {self.postgres.pid} (exit {code})")


def serve_real(
    options: StackOptions, settings: Settings, report: Callable[[str], None] = print
) -> str | None:
    """Run the stack until SIGINT or SIGTERM (or one of its processes exits, which is
    returned, named); every process is stopped by PID before this returns."""
    requested: list[int] = []

    def _request_stop(signum: int, _frame: object) -> None:
        requested.append(signum)

    previous = {s: signal.signal(s, _request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    stack = RealStack(options, settings, report)
    try:
        stack.start()
        return stack.wait(lambda: bool(requested))
    finally:
        stack.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)

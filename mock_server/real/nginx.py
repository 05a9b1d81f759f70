"""Debian's nginx as the real service's reverse proxy (``serve --proxy nginx``).

The configuration is generated into the run directory (its pid file, error log
and temp folders too, ``-p`` that directory), and nginx runs in the foreground
(``daemon off``) as a child in a session of its own: the PID held is its
master's, and :meth:`Proxy.stop` sends that PID SIGQUIT (finish the requests in
flight), then SIGKILL if it will not go. Its upstream is the workers' loopback
port, with keep-alive connections, as a production proxy in front of uvicorn is
configured.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from mock_server.real.processes import start_child, stop_child

CONFIG = """\
{user}
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    keepalive_timeout {keep_alive}s;
    upstream workers {{
        server 127.0.0.1:{upstream};
        keepalive 64;
    }}
    server {{
        listen {bind}:{port} backlog=4096;
        location / {{
            proxy_pass http://workers;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


class ProxyUnavailable(RuntimeError):
    """nginx is missing or would not start (one line: why)."""


def find_nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise ProxyUnavailable("nginx is not installed (apt-get install nginx)")
    return found


class Proxy:
    """nginx on ``bind:port`` in front of ``127.0.0.1:upstream``."""

    def __init__(
        self,
        root: Path,
        bind: str,
        port: int,
        upstream: int,
        workers: int = 1,
        keep_alive_s: int = 75,
    ):
        binary = find_nginx()
        root.mkdir(parents=True, exist_ok=True)
        # As root nginx's workers would run as nobody; they run as us, who own the folder.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        self.config = root / "nginx.conf"
        self.config.write_text(
            CONFIG.format(
                user=user,
                workers=workers,
                root=root,
                keep_alive=keep_alive_s,
                upstream=upstream,
                bind=bind,
                port=port,
            )
        )
        self.bind, self.port = bind, port
        self.error_log = root / "error.log"
        self.process = start_child(
            [binary, "-p", str(root), "-c", str(self.config), "-e", str(self.error_log),
             "-g", "daemon off;"],
            subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_ready()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _wait_ready(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "") else self.bind
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                text = self.error_log.read_text(errors="replace") if self.error_log.exists() else ""
                last = text.strip().splitlines()[-1:] or [f"exit {self.process.returncode}"]
                raise ProxyUnavailable(f"nginx exited: {last[0]}")
            try:
                with socket.create_connection((host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ProxyUnavailable(f"nginx did not listen on {self.port} within {timeout_s:.0f} s")

    def stop(self, timeout_s: float = 10.0) -> int | None:
        return stop_child(self.process, signal.SIGQUIT, timeout_s)

"""A real nginx (Debian's package) for tests: a reverse proxy on a free loopback port.

It runs in the foreground (``daemon off``) as our own child, so the PID we hold
is its master's; its configuration, pid file, error log and temp folders live
in a folder of the test's, and it writes its access log in nginx's *default*
``combined`` format (no request time), as a server nobody reconfigured does.
:meth:`Nginx.stop` sends SIGQUIT (finish the requests, flush the log) to that
PID, then SIGKILL if it will not go.
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

from loadtests.mock_process import free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

CONFIG = """\
{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log {access_log} combined;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream backend {{
        server 127.0.0.1:{upstream};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of ``127.0.0.1:upstream``, logging to ``access_log``."""

    def __init__(self, root: Path, upstream: int, access_log: Path):
        if NGINX is None:
            raise RuntimeError("nginx is not installed (.ci/run installs Debian's nginx)")
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = access_log
        root.mkdir(parents=True, exist_ok=True)
        # As root, nginx's workers would run as nobody; they run as us, who own the folder.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        config = root / "nginx.conf"
        config.write_text(
            CONFIG.format(
                user=user, root=root, access_log=access_log, upstream=upstream, port=self.port
            )
        )
        self.process = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(config), "-e", str(root / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip

    def wait_ready(self, timeout_s: float = 10.0) -> Nginx:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()  # never leave it running, holding the port
        raise RuntimeError(f"nginx did not listen on {self.port} within {timeout_s:.0f} s")

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish, flush, exit
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()

"""An access log of every request, written off the request's hot path.

Each line is nginx's ``combined`` format plus the request time, the format an
operator of the real service already has in its web servers' logs::

    127.0.0.1 - 1000042 [27/Nov/2026:09:15:02 +0000] "POST /api/v1/payment-orders HTTP/1.1"
      201 187 "-" "locust/2.47" 0.043 1795770902.043

(one line in the file). The last two fields are nginx's ``$request_time`` and
``$msec``, the end of the request in epoch seconds with milliseconds.

The remote user is the signed-in unit code (``-`` before sign-in); the time is
when the response finished, as nginx's ``$time_local`` is, and the last field
is ``$request_time`` in seconds, so a request *started* at time minus
request time. ``jsonl`` writes the same fields as one JSON object per line,
with the time as epoch seconds.

The middleware only appends a tuple to a deque (no formatting, no I/O on the
event loop); a writer thread formats and writes what has gathered every
quarter of a second, and everything left when the server stops.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from enum import StrEnum
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNIT_SCOPE_KEY = "peakload.unit_code"
"""Where the routes leave the signed-in unit code in the ASGI scope."""

FLUSH_EVERY_S = 0.25


class AccessLogFormat(StrEnum):
    """How each request is written: nginx ``combined`` + request time, or JSON lines."""

    COMBINED = "combined"
    JSONL = "jsonl"


Entry = tuple[float, str, int | None, str, str, str, int, int, str, str, float]
"""(end epoch s, client, unit, method, target, http version, status, bytes,
referer, user agent, request time s): what the middleware records."""


def _combined(entry: Entry) -> str:
    end, client, unit, method, target, version, status, size, referer, agent, took = entry
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(end))
    return (
        f"{client} - {unit if unit is not None else '-'} [{stamp}] "
        f'"{method} {target} HTTP/{version}" {status} {size} "{referer}" "{agent}" '
        f"{took:.3f} {end:.3f}"
    )


def _jsonl(entry: Entry) -> str:
    end, client, unit, method, target, version, status, size, referer, agent, took = entry
    return json.dumps(
        {
            "time": round(end, 6),
            "remote_addr": client,
            "remote_user": unit,
            "method": method,
            "path": target,
            "protocol": f"HTTP/{version}",
            "status": status,
            "bytes": size,
            "referer": referer,
            "user_agent": agent,
            "request_time": round(took, 6),
        },
        separators=(",", ":"),
    )


class AccessLogWriter:
    """Gathers entries from the event loop and writes them from a thread of its own."""

    def __init__(self, path: str | Path, fmt: AccessLogFormat = AccessLogFormat.COMBINED):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.format = _combined if fmt is AccessLogFormat.COMBINED else _jsonl
        self.pending: deque[Entry] = deque()
        self._stop = threading.Event()
        self._file = self.path.open("a", buffering=1024 * 1024)
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def append(self, entry: Entry) -> None:
        """Called on the event loop: one deque append, nothing else."""
        self.pending.append(entry)

    def _drain(self) -> None:
        pending, lines = self.pending, []
        while pending:
            lines.append(self.format(pending.popleft()))
        if lines:
            self._file.write("\n".join(lines) + "\n")
            self._file.flush()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_EVERY_S):
            self._drain()

    def close(self) -> None:
        """Write what is left and close the file (the server is stopping)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._drain()
        self._file.close()


class AccessLogMiddleware:
    """Pure ASGI middleware that hands each finished request to an :class:`AccessLogWriter`."""

    def __init__(self, app: ASGIApp, writer: AccessLogWriter):
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, size = 500, 0

        async def send_and_count(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_count)
        finally:
            took = time.perf_counter() - started
            headers = dict(scope.get("headers") or ())
            query = scope.get("query_string") or b""
            target = scope["path"] + ("?" + query.decode("latin-1") if query else "")
            client = scope.get("client")
            self.writer.append(
                (
                    time.time(),
                    client[0] if client else "-",
                    scope.get(UNIT_SCOPE_KEY),
                    scope["method"],
                    target,
                    scope.get("http_version", "1.1"),
                    status,
                    size,
                    headers.get(b"referer", b"-").decode("latin-1"),
                    headers.get(b"user-agent", b"-").decode("latin-1"),
                    took,
                )
            )

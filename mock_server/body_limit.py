"""Bodies over the limit get a 413 that every client can read, and slow bodies a 408.

Answering 413 as soon as the declared length is too large, and closing the
connection, is what a server is tempted to do; but a client that is still
sending then sees ``Connection reset by peer`` instead of the answer (Python's
urllib and requests do; curl reads early answers). So this middleware reads
and discards what the client sends, up to :attr:`BodyLimit.drain_cap_bytes`,
and only then answers 413 with ``Connection: close``. A body without a
declared length (chunked) is counted as it comes and treated the same way
once it passes the limit. A body larger than the drain cap is cut off: the
client gets the reset, but the server does not read gigabytes for it.

A client that trickles its body (slow loris) is answered 408 once the whole
body has taken longer than :attr:`BodyLimit.body_timeout_s`, so it cannot
hold a request slot forever. Bodies within the limit are buffered (at most
the limit, 256 KiB by default) and handed to the application unchanged.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DRAIN_CAP_BYTES = 256 * 2**20


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Pure ASGI middleware: the request body's size and pace, checked before the app."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        body_timeout_s: float = 30.0,
        drain_cap_bytes: int = DRAIN_CAP_BYTES,
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.drain_cap_bytes = drain_cap_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body: nothing to check
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout_s
        too_large = f"request body over {self.max_body_bytes} bytes"
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            if await self._drain(receive, deadline, 0):
                await _answer(send, 413, too_large)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await self._next(receive, deadline)
            if message is None:
                await _answer(send, 408, f"request body not received in {self.body_timeout_s:g} s")
                return
            if message["type"] == "http.disconnect":
                return
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                if not message.get("more_body") or await self._drain(receive, deadline, size):
                    await _answer(send, 413, too_large)
                return
            if not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _next(self, receive: Receive, deadline: float) -> Message | None:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return None
        try:
            return await asyncio.wait_for(receive(), remaining)
        except TimeoutError:
            return None

    async def _drain(self, receive: Receive, deadline: float, size: int) -> bool:
        """Read and drop the rest of the body; False when it is cut off (too slow,
        past the drain cap, or the client left) and no answer can be read."""
        while size <= self.drain_cap_bytes:
            message = await self._next(receive, deadline + self.body_timeout_s)
            if message is None or message["type"] == "http.disconnect":
                return False
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                return True
        return False

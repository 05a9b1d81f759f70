"""A deadline for request headers, so slow-loris clients cannot hold connections.

uvicorn closes a connection that stays idle *between* requests (keep-alive),
but gives none to a new connection that sends nothing, nor to one that sends
its headers a byte at a time: each such connection holds a file descriptor
and a protocol object for as long as the client likes, and a few thousand of
them exhaust the server's file descriptors (20,000 here).

:class:`HeaderDeadlineProtocol` is uvicorn's httptools protocol with one
timer more: from the moment a connection opens, and again from the first
byte of each later request, the request's headers must be complete within
``header_timeout_s``; otherwise the connection is closed. Between requests
the keep-alive timer applies as before (it outlasts the users' think time).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_S = 10.0


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """httptools HTTP/1.1 with a deadline on each request's headers."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def protocol_with_deadline(header_timeout_s: float) -> type[HeaderDeadlineProtocol]:
    """A protocol class with its own header deadline (uvicorn takes a class)."""
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s})

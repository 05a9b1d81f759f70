"""Pure ASGI middleware: request metrics by route and status, and each request's
time outside the emulated tiers.

Pure ASGI (not BaseHTTPMiddleware) so a request costs a function call, not a
task, and a client that disconnects does not cancel the work it started.

The time outside the tiers. A transaction's response holds its tiers'
queueing and service (what the model predicts) and everything else: routing,
validation, JSON, SQLite, the event loop's lag. The middleware opens a
:class:`TierHold` for each request (a context variable, so the dependency that
runs the transaction finds it without being handed it); :func:`through_tiers`
adds the wall time the request spent waiting for and holding emulated tiers;
when the answer has gone out, the request's time in the app less that hold is
its outside time, counted per transaction (``peakload_outside_seconds_total``,
``peakload_outside_requests_total``) for answers below 400. What happens before
the app sees the request (the socket, the HTTP parser) is not in it: the
server cannot time what it has not yet received.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.capacity import Capacity
from mock_server.metrics import Metrics


@dataclass
class TierHold:
    """One request's wall seconds at the emulated tiers, and its transaction."""

    seconds: float = 0.0
    transaction: str | None = None


_HOLD: ContextVar[TierHold | None] = ContextVar("peakload_tier_hold", default=None)


async def through_tiers(capacity: Capacity, transaction: str) -> None:
    """Pass the request through its transaction's tiers (``capacity.serve``), timing
    the hold for the request's :class:`TierHold`."""
    hold = _HOLD.get()
    started = time.perf_counter()
    try:
        await capacity.serve(transaction)
    finally:
        if hold is not None:
            hold.seconds += time.perf_counter() - started
            hold.transaction = transaction


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        hold = TierHold()
        token = _HOLD.set(hold)

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            _HOLD.reset(token)
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            label = getattr(route, "name", None) or "unmatched"
            self.metrics.observe(label, scope["method"], status, elapsed)
            if hold.transaction is not None and status < 400:
                self.metrics.observe_outside(hold.transaction, max(0.0, elapsed - hold.seconds))

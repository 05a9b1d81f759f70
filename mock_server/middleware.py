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

The demand a request drew. Each tier holds a request for a service time
drawn from its transaction's demand there, so a client's response carries
that draw's luck: an exponential demand's draws spread as wide as their
mean. The answer tells the client how far the request's draws, summed over
its tiers, fell from their known mean (header
``x-peakload-demand-deviation``, seconds, on every answer that passed all its
tiers, a 404 as well). Its mean is zero, so a client's mean response less it estimates the
same mean as the raw responses, with the draws' spread taken out: the
control variate ``validate`` uses for its transaction means (docs/validate.md).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.capacity import Capacity
from mock_server.metrics import Metrics
from peakload.contract.api import DEMAND_DEVIATION_HEADER


@dataclass
class TierHold:
    """One request's wall seconds at the emulated tiers, and its transaction."""

    seconds: float = 0.0
    transaction: str | None = None
    demand_deviation: float | None = None
    """The demand drawn at the transaction's tiers less its mean (seconds); None
    until every tier served the request."""


DEVIATION_HEADER = DEMAND_DEVIATION_HEADER.encode()

_HOLD: ContextVar[TierHold | None] = ContextVar("peakload_tier_hold", default=None)


async def through_tiers(capacity: Capacity, transaction: str) -> None:
    """Pass the request through its transaction's tiers (``capacity.serve``), timing
    the hold for the request's :class:`TierHold`."""
    hold = _HOLD.get()
    started = time.perf_counter()
    try:
        visits = await capacity.serve(transaction)
        if hold is not None and visits:
            drawn = sum(visit.demand for visit in visits)
            hold.demand_deviation = drawn - capacity.expected_demand_s[transaction]
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
                if hold.demand_deviation is not None:  # a 404 after its tiers drew too
                    deviation = f"{hold.demand_deviation:.9f}".encode()
                    headers = [*message.get("headers", ()), (DEVIATION_HEADER, deviation)]
                    message = {**message, "headers": headers}
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

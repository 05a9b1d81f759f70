"""What every peakload service app is made of around its routes.

The emulating mock (:mod:`mock_server.main`) and the real-work service
(:mod:`mock_server.real.app`) answer the same API with different work behind
it. Both mount their routers under the API prefix beside the operations
routes, answer a domain error as ``{"detail": ...}`` with its status, and wrap
everything in the same middleware, from the inside out: request metrics, the
body limit (an oversized or slow body is answered before anything else runs,
after reading what the client sends; Starlette's own limit answers early and
resets it), and the access log, outermost of all so that every request is
logged, a 413 too.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from mock_server.access_log import AccessLogFormat, AccessLogMiddleware, AccessLogWriter
from mock_server.api.routes import operations
from mock_server.body_limit import BodyLimit
from mock_server.errors import DomainError, Unprocessable
from mock_server.metrics import Metrics
from mock_server.middleware import RequestMetrics
from mock_server.settings import Settings
from peakload.contract.api import API_PREFIX


def mount_api(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Mount ``routers`` under the API prefix, the operations routes beside them, and
    answer a :class:`DomainError` with its status and ``{"detail": ...}``."""
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(operations.router)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        detail = exc.body() if isinstance(exc, Unprocessable) else exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status_code)


def wrap(app: FastAPI, settings: Settings, metrics: Metrics) -> AccessLogWriter | None:
    """Add the request metrics, the body limit and (if set) the access log, in that
    order outward; returns the access log's writer, or None."""
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(
        BodyLimit, max_body_bytes=settings.max_body_bytes, body_timeout_s=settings.body_timeout_s
    )
    if not settings.access_log:
        return None
    writer = AccessLogWriter(settings.access_log, AccessLogFormat(settings.access_log_format))
    app.add_middleware(AccessLogMiddleware, writer=writer)
    return writer

"""What every peakload service app is made of around its routes.

The emulating mock (:mod:`mock_server.main`) and the real-work service
(:mod:`mock_server.real.app`) answer the same API with different work behind
it. Both mount their routers under the API prefix beside the operations
routes, answer a domain error as ``{"detail": ...}`` with its status, and wrap
everything in the same middleware, from the inside out: request metrics, the
body limit (an oversized or slow body is answered before anything else runs,
after reading what the client sends; Starlette's own limit answers early and
resets it), and the access log, outermost of all so that every request is
logged, a 413 too. Both keep the same ``app.state`` (:func:`set_state`) and
shut down the same way (:func:`shut_down`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from mock_server.access_log import AccessLogFormat, AccessLogMiddleware, AccessLogWriter
from mock_server.api.routes import account_closures, auth, dossiers, foreign_loans, operations
from mock_server.body_limit import BodyLimit
from mock_server.capacity import Capacity
from mock_server.drills import ScenarioClock
from mock_server.errors import DomainError, Unprocessable
from mock_server.metrics import Metrics
from mock_server.middleware import RequestMetrics
from mock_server.security import token_secret
from mock_server.settings import Settings
from peakload.contract.api import API_PREFIX
from peakload.core.scenario import Service


def mount_api(app: FastAPI, catalog: APIRouter, orders: APIRouter, statements: APIRouter) -> None:
    """Mount the API's routers under its prefix, the operations routes beside them, and
    answer a :class:`DomainError` with its status and ``{"detail": ...}``.

    ``catalog``, ``orders`` and ``statements`` are the service's own (the same routes,
    other work behind them); sign-in, dossiers, foreign loans and account closures
    are the same in both.
    """
    routers: Iterable[APIRouter] = (
        auth.router,
        catalog,
        orders,
        dossiers.router,
        foreign_loans.router,
        account_closures.router,
        statements,
    )
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


def set_state(
    app: FastAPI,
    settings: Settings,
    capacity: Capacity,
    metrics: Metrics,
    clock: ScenarioClock,
    service: Service,
    scenario_name: str | None,
) -> None:
    """What the routes and middleware read from ``app.state``; the lifespan adds the
    engine (and the real service its certificate chain)."""
    app.state.settings = settings
    app.state.capacity = capacity
    app.state.clock = clock
    app.state.metrics = metrics
    app.state.service = service
    app.state.scenario_name = scenario_name
    app.state.token_secret = token_secret(settings.unit_secret, settings.token_secret)
    app.state.started = time.monotonic()


async def shut_down(
    tasks: Iterable[asyncio.Task], access_log: AccessLogWriter | None, engine: Engine
) -> None:
    """The end of a lifespan: close the access log, cancel the background ``tasks`` and
    wait for them, close the database's connections."""
    if access_log is not None:
        access_log.close()
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks)
    engine.dispose()

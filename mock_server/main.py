"""Builds the FastAPI app of the mock Treasury online service.

``create_app(settings, scenario)`` wires settings, database, capacity
emulation, metrics and routers; nothing happens at import time. With a
scenario, every route runs through the tiers its transaction names; without
one, the service answers as fast as it can (plain mock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mock_server import db
from mock_server.api.routes import catalog, payment_orders, statements
from mock_server.api.wiring import mount_api, set_state, shut_down, wrap
from mock_server.capacity import Capacity
from mock_server.control import run_control
from mock_server.drills import ScenarioClock, run_drills
from mock_server.metrics import Metrics
from mock_server.settings import Settings, get_settings
from mock_server.visit import Overloaded
from peakload.core.runtime import calm_gc, release_gc
from peakload.core.scenario import Scenario, Service
from peakload.core.scenario_file import load_scenario

log = logging.getLogger("peakload.mock_server")

GC_FREEZE_EVERY_S = 60.0


def create_app(settings: Settings | None = None, scenario: Scenario | None = None) -> FastAPI:
    settings = settings or get_settings()
    if scenario is None and settings.scenario:
        scenario = load_scenario(settings.scenario)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for name in settings.development_defaults():
            log.warning(
                "%s is the published development default: set it for any shared deployment", name
            )
        engine = db.make_engine(settings.db, settings.sqlite_synchronous)
        db.prepare(engine, settings.units)
        app.state.engine = engine
        control = asyncio.create_task(
            run_control(engine, app.state.service, settings.control_interval_s)
        )
        freezer = asyncio.create_task(_freeze_periodically())
        drills = asyncio.create_task(run_drills(capacity, app.state.clock))
        calm_gc()
        try:
            yield
        finally:
            await shut_down((control, freezer, drills), access_log, engine)
            release_gc()

    app = FastAPI(
        title="Mock Treasury online public services",
        version="1.0",
        description=(
            "The API of the State Treasury's online public services as peakload emulates it: "
            "budget units sign in, draft, sign and submit payment orders, declare dossiers, "
            "record foreign-loan revenue and spending, close accounts and fetch statements."
        ),
        lifespan=lifespan,
        # operationId = the route's name: the contract's transaction names, so the
        # OpenAPI links below (create -> sign -> submit -> get) read as the flow does
        generate_unique_id_function=lambda route: route.name,
    )
    capacity = Capacity(scenario, seed=settings.seed)
    metrics = Metrics(capacity)
    clock = ScenarioClock(settings.clock_start_s, settings.clock_origin, settings.clock_compress)
    service = scenario.service if scenario else Service()
    set_state(app, settings, capacity, metrics, clock, service, scenario.name if scenario else None)
    mount_api(app, catalog.router, payment_orders.router, statements.router)

    @app.exception_handler(Overloaded)
    async def _overloaded(request: Request, exc: Overloaded) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc), "tier": exc.tier},
            status_code=503,
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    access_log = wrap(app, settings, metrics)
    return app


async def _freeze_periodically() -> None:
    while True:
        await asyncio.sleep(GC_FREEZE_EVERY_S)
        calm_gc()

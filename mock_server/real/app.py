"""Builds the FastAPI app of the real service (one per worker process).

``create_real_app(settings, chain_dir)`` wires what ``mock_server.main.create_app``
wires, minus the emulation: no capacity pools, no failure drills. The database is
already seeded and the certificate chain already written by the process that
started the workers (:mod:`mock_server.real.stack`); each worker opens its own
connection pool and reads the chain. ``/metrics`` also exposes the worker's own
``process_cpu_seconds_total`` (prometheus_client's process collector).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import ProcessCollector

from mock_server import db
from mock_server.api.wiring import mount_api, set_state, shut_down, wrap
from mock_server.capacity import Capacity
from mock_server.control import run_control
from mock_server.drills import ScenarioClock
from mock_server.metrics import Metrics
from mock_server.real import routes
from mock_server.real.pki import TrustChain
from mock_server.settings import Settings
from peakload.core.runtime import calm_gc, release_gc
from peakload.core.scenario import Service

log = logging.getLogger("peakload.mock_server")


def create_real_app(
    settings: Settings, chain_dir: Path, service: Service | None = None, control: bool = True
) -> FastAPI:
    """The real service's app on ``settings.db`` (seeded), signing with ``chain_dir``.

    ``control``: this process runs expenditure control (accept, pay, reject submitted
    orders), as one scheduler of a deployment does; the stack gives it to its first
    worker only, so its polling costs once, not once per worker.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = db.make_engine(settings.db)
        app.state.engine = engine
        app.state.chain = TrustChain.load(chain_dir)
        tasks = []
        if control:
            interval = settings.control_interval_s
            tasks.append(asyncio.create_task(run_control(engine, app.state.service, interval)))
        calm_gc()
        also = " and running expenditure control" if control else ""
        log.warning("worker %d serving%s", os.getpid(), also)
        try:
            yield
        finally:
            await shut_down(tasks, access_log, engine)
            release_gc()

    app = FastAPI(
        title="Treasury online public services (real work)",
        version="1.0",
        description=(
            "The mock Treasury API doing its own work: PostgreSQL transactions, RSA "
            "signatures and certificate chains verified, statements aggregated by the database."
        ),
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,
    )
    capacity = Capacity(None)  # no tiers: serve() passes at once, stats() is empty
    metrics = Metrics(capacity)
    ProcessCollector(registry=metrics.registry)
    clock = ScenarioClock(None, None, 1.0)
    set_state(app, settings, capacity, metrics, clock, service or Service(), None)
    mount_api(app, routes.catalog, routes.orders, routes.statements)

    access_log = wrap(app, settings, metrics)
    return app

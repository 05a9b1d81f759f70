"""Health, Prometheus metrics and the admin statistics used for reconciliation."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mock_server.api.deps import Admin
from mock_server.records.counts import record_counts

router = APIRouter(tags=["operations"])


@router.get("/healthz", name="healthz")
async def healthz(request: Request) -> dict[str, object]:
    state = request.app.state
    return {
        "status": "ok",
        "scenario": state.scenario_name,
        "emulating": state.capacity.emulating,
        "uptime_s": round(time.monotonic() - state.started, 3),
    }


@router.get("/metrics", name="metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


@router.get("/admin/stats", name="admin_stats", dependencies=[Admin])
async def admin_stats(request: Request) -> dict[str, object]:
    state = request.app.state
    records = await run_in_threadpool(record_counts, state.engine)
    return {
        "scenario": state.scenario_name,
        "records": records,
        "tiers": state.capacity.stats(),
        "delays": state.capacity.delay_stats(),
        "uptime_s": round(time.monotonic() - state.started, 3),
    }


class ClockSetting(BaseModel):
    """The load test's scenario clock: wall epoch ``origin`` is clock ``start_s``."""

    origin: float
    start_s: float = Field(ge=0, le=86_400)
    compress: float = Field(gt=0)


@router.put("/admin/clock", name="admin_clock", dependencies=[Admin])
async def admin_clock(setting: ClockSetting, request: Request) -> dict[str, object]:
    """Start the scenario clock the failure drills follow (sent by the load-test runner)."""
    clock = request.app.state.clock
    clock.origin, clock.start_s, clock.compress = (
        setting.origin,
        setting.start_s,
        setting.compress,
    )
    request.app.state.capacity.apply_failures(clock.now())
    return {"clock_s": clock.now()}

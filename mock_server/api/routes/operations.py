"""Health, Prometheus metrics and the admin statistics used for reconciliation."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
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
        "emulating": bool(state.capacity.tiers),
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
        "uptime_s": round(time.monotonic() - state.started, 3),
    }

"""Expenditure control, the Treasury's side of a submission, as a background task.

It polls the database for orders whose next step is due, so it survives a
restart: orders submitted before a restart are decided after it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from mock_server import repository
from peakload.core.scenario import Service

log = logging.getLogger("peakload.mock_server")


async def run_control(engine: Engine, service: Service, interval_s: float) -> None:
    while True:
        try:
            moved = repository.CONTROL_BATCH
            while moved == repository.CONTROL_BATCH:  # a full batch: look again at once
                moved = await run_in_threadpool(
                    repository.control_step,
                    engine,
                    time.time(),
                    service.pay_after_s,
                    service.reject_rate,
                )
        except Exception:  # keep deciding after a transient database error
            log.exception("expenditure control step failed; retrying")
        await asyncio.sleep(interval_s)

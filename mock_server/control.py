"""Expenditure control, the Treasury's side of a submission, as a background task.

A submitted order waits ``accept_after_s`` (the scenario's ``[service]``), then
control accepts it or rejects it with a reason; an accepted one is paid
``pay_after_s`` later. Which action applies to which status is the transition
table's (:data:`peakload.contract.payment_order.LIFE_CYCLE`): control looks for
orders in the statuses a Treasury action leaves, and moves each one with the
action the table allows from its status.

It polls the database for orders whose next step is due, so it survives a
restart: orders submitted before a restart are decided after it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

from sqlalchemy import Engine, select, update
from starlette.concurrency import run_in_threadpool

from mock_server.tables import payment_orders
from peakload.contract.payment_order import (
    Party,
    PaymentOrderAction,
    allows,
    awaiting,
    next_status,
)
from peakload.core.scenario import Service

log = logging.getLogger("peakload.mock_server")

CONTROL_BATCH = 500
"""Orders moved per transaction; a full batch means more are due at once."""

REJECTION_REASONS = (
    "amount exceeds the remaining budget estimate for this budget code",
    "payee account does not match the contract on file",
    "supporting dossier missing for expenditure control",
)

_AWAITING_TREASURY = tuple(sorted(status.value for status in awaiting(Party.TREASURY)))


def rejects(order_id: int, reject_rate: float) -> str | None:
    """Whether control rejects an order, and why: a fixed function of its id, so runs
    with the same data decide the same way and no global random state is touched."""
    digest = hashlib.sha256(f"control:{order_id}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw >= reject_rate:
        return None
    return REJECTION_REASONS[digest[8] % len(REJECTION_REASONS)]


def decide(
    order_id: int, status: str, now: float, pay_after_s: float, reject_rate: float
) -> dict[str, Any]:
    """The columns control's next step writes on an order in ``status``.

    An order control may pay is paid; otherwise it is accepted (to be paid
    ``pay_after_s`` later) or, for a ``reject_rate`` share of orders, rejected.
    """
    if allows(PaymentOrderAction.PAY, status):
        action = PaymentOrderAction.PAY
        values: dict[str, Any] = {"paid_at": now, "next_step_at": None}
    elif (reason := rejects(order_id, reject_rate)) is not None:
        action = PaymentOrderAction.REJECT
        values = {"decided_at": now, "rejection_reason": reason, "next_step_at": None}
    else:
        action = PaymentOrderAction.ACCEPT
        values = {"decided_at": now, "next_step_at": now + pay_after_s}
    return {"status": next_status(action, status).value, **values}


def control_step(engine: Engine, now: float, pay_after_s: float, reject_rate: float) -> int:
    """Take the next step on up to :data:`CONTROL_BATCH` due orders; returns how many moved.

    Each update repeats the status it read, so an order changed in between
    (never, with one control task, but cheap to hold) is left for the next step.
    """
    moved = 0
    with engine.begin() as conn:
        due = conn.execute(
            select(payment_orders.c.id, payment_orders.c.status)
            .where(
                payment_orders.c.status.in_(_AWAITING_TREASURY),
                payment_orders.c.next_step_at <= now,
            )
            .limit(CONTROL_BATCH)
        ).all()
        for order_id, status in due:
            moved += conn.execute(
                update(payment_orders)
                .where(payment_orders.c.id == order_id, payment_orders.c.status == status)
                .values(decide(order_id, status, now, pay_after_s, reject_rate))
            ).rowcount
    return moved


async def run_control(engine: Engine, service: Service, interval_s: float) -> None:
    """Every ``interval_s``, move every due order; runs until cancelled at shutdown."""
    while True:
        try:
            moved = CONTROL_BATCH
            while moved == CONTROL_BATCH:  # a full batch: look again at once
                moved = await run_in_threadpool(
                    control_step,
                    engine,
                    time.time(),
                    service.pay_after_s,
                    service.reject_rate,
                )
        except Exception:  # keep deciding after a transient database error
            log.exception("expenditure control step failed; retrying")
        await asyncio.sleep(interval_s)

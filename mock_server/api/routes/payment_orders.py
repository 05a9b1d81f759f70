"""Payment orders: draft, sign, submit (idempotent), check, list.

Sign and submit are the unit's steps of the life cycle in
:data:`peakload.contract.payment_order.LIFE_CYCLE`; a step its status does not
allow answers 409 (sign a submitted order, submit a draft).

:func:`payment_orders_router` writes each route once; the work behind the two
steps is given to it as :class:`OrderSteps`: the mock's records here
(:data:`router`), signatures made and verified against a certificate chain in
the real-work service (:mod:`mock_server.real.routes`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy import Engine
from starlette.datastructures import State

from mock_server.api import public
from mock_server.api.create_route import add_create_route
from mock_server.api.deps import KEY_PATTERN, Unit, mark_replay
from mock_server.models import (
    ERROR_RESPONSES,
    PaymentOrderCreate,
    PaymentOrderPage,
    PaymentOrderPublic,
    SignatureCreate,
)
from mock_server.records import payment_orders
from peakload.contract.payment_order import PaymentOrderStatus

OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Row = dict[str, Any]


SignStep = Callable[[Engine, int, int, str, float], Row]
"""``(engine, unit_code, order_id, signature, now)``: the signed order."""
SubmitStep = Callable[[Engine, int, int, str, float, float], tuple[Row, bool]]
"""``(engine, unit_code, order_id, key, now, accept_after_s)``: the submitted order, and
whether this key submitted it first."""


@dataclass(frozen=True)
class OrderSteps:
    """The work behind the unit's two steps, as :meth:`UnitSession.write` runs it.

    Each field is given the app's ``state`` (where the real service keeps its
    certificate chain) and answers the function to run: the mock's are its record
    functions as they are (:data:`RECORDED`).
    """

    sign: Callable[[State], SignStep]
    submit: Callable[[State], SubmitStep]


def _links(*operations: str) -> dict:
    """OpenAPI links from an answer carrying an order to the next steps on it
    (what schemathesis's stateful runs follow)."""
    return {
        "links": {
            op: {"operationId": op, "parameters": {"order_id": "$response.body#/id"}}
            for op in operations
        }
    }


def payment_orders_router(steps: OrderSteps) -> APIRouter:
    """The payment orders' routes, with ``steps`` behind sign and submit."""
    router = APIRouter(prefix="/payment-orders", tags=["payment orders"])

    add_create_route(
        router,
        "create_payment",
        PaymentOrderCreate,
        PaymentOrderPublic,
        payment_orders.create,
        public.payment_order,
        {**ERROR_RESPONSES, 201: _links("sign_payment", "submit_payment", "get_payment")},
    )

    @router.post(
        "/{order_id}/signature",
        name="sign_payment",
        response_model=PaymentOrderPublic,
        responses={**ERROR_RESPONSES, 200: _links("submit_payment", "get_payment")},
    )
    async def sign_payment(
        order_id: OrderId, body: SignatureCreate, unit: Unit, request: Request
    ) -> PaymentOrderPublic:
        sign = steps.sign(request.app.state)
        row = await unit.write("sign_payment", sign, order_id, body.signature, time.time())
        return public.payment_order(row)

    @router.post(
        "/{order_id}/submission",
        name="submit_payment",
        response_model=PaymentOrderPublic,
        responses={**ERROR_RESPONSES, 200: _links("get_payment")},
    )
    async def submit_payment(
        order_id: OrderId,
        unit: Unit,
        request: Request,
        response: Response,
        idempotency_key: Annotated[
            str,
            Header(
                min_length=1,
                max_length=100,
                pattern=KEY_PATTERN,
                description="the same key always answers with the same submission",
            ),
        ],
    ) -> PaymentOrderPublic:
        state = request.app.state
        row, first = await unit.write(
            "submit_payment",
            steps.submit(state),
            order_id,
            idempotency_key,
            time.time(),
            state.service.accept_after_s,
        )
        mark_replay(response, first)
        return public.payment_order(row)

    @router.get(
        "/{order_id}",
        name="get_payment",
        response_model=PaymentOrderPublic,
        responses=ERROR_RESPONSES,
    )
    async def get_payment(order_id: OrderId, unit: Unit) -> PaymentOrderPublic:
        return public.payment_order(await unit.read("get_payment", payment_orders.get, order_id))

    @router.get(
        "", name="list_payments", response_model=PaymentOrderPage, responses=ERROR_RESPONSES
    )
    async def list_payments(
        unit: Unit,
        status_: Annotated[PaymentOrderStatus | None, Query(alias="status")] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> PaymentOrderPage:
        rows, total = await unit.read(
            "list_payments", payment_orders.page, status_, page, page_size
        )
        return PaymentOrderPage(
            items=[public.payment_order(r) for r in rows],
            page=page,
            page_size=page_size,
            total=total,
        )

    return router


RECORDED = OrderSteps(
    sign=lambda state: payment_orders.sign, submit=lambda state: payment_orders.submit
)
"""The mock's steps: its records, nothing verified."""

router = payment_orders_router(RECORDED)

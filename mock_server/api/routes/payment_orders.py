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

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from sqlalchemy import Engine
from starlette.datastructures import State

from mock_server.api import public
from mock_server.api.deps import KEY_PATTERN, CreateKey, Unit, mark_replay
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


@dataclass(frozen=True)
class OrderSteps:
    """The work behind the unit's two steps, each run as ``unit.write`` runs it:
    ``(engine, unit_code, state, ...)`` with the app's ``state`` (where the real
    service keeps its certificate chain).

    ``sign(engine, unit_code, state, order_id, signature, now)`` answers the signed
    order; ``submit(engine, unit_code, state, order_id, key, now, accept_after_s)``
    answers the submitted order and whether this key submitted it first.
    """

    sign: Callable[[Engine, int, State, int, str, float], Row]
    submit: Callable[[Engine, int, State, int, str, float, float], tuple[Row, bool]]


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

    @router.post(
        "",
        name="create_payment",
        status_code=status.HTTP_201_CREATED,
        response_model=PaymentOrderPublic,
        responses={
            **ERROR_RESPONSES,
            201: _links("sign_payment", "submit_payment", "get_payment"),
        },
    )
    async def create_payment(
        body: PaymentOrderCreate, unit: Unit, response: Response, key: CreateKey = None
    ) -> PaymentOrderPublic:
        row, created = await unit.write(
            "create_payment", payment_orders.create, body, time.time(), key
        )
        mark_replay(response, created)
        return public.payment_order(row)

    @router.post(
        "/{order_id}/signature",
        name="sign_payment",
        response_model=PaymentOrderPublic,
        responses={**ERROR_RESPONSES, 200: _links("submit_payment", "get_payment")},
    )
    async def sign_payment(
        order_id: OrderId, body: SignatureCreate, unit: Unit, request: Request
    ) -> PaymentOrderPublic:
        row = await unit.write(
            "sign_payment", steps.sign, request.app.state, order_id, body.signature, time.time()
        )
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
            steps.submit,
            state,
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


def _sign_record(
    engine: Engine, unit_code: int, state: State, order_id: int, signature: str, now: float
) -> Row:
    """The mock stores the client's signature as it came."""
    return payment_orders.sign(engine, unit_code, order_id, signature, now)


def _submit_record(
    engine: Engine,
    unit_code: int,
    state: State,
    order_id: int,
    key: str,
    now: float,
    accept_after_s: float,
) -> tuple[Row, bool]:
    """The mock submits a signed order without checking its signature."""
    return payment_orders.submit(engine, unit_code, order_id, key, now, accept_after_s)


RECORDED = OrderSteps(sign=_sign_record, submit=_submit_record)
"""The mock's steps: its records, nothing verified."""

router = payment_orders_router(RECORDED)

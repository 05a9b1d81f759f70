"""Payment orders: draft, sign, submit (idempotent), check, list.

Sign and submit are the unit's steps of the life cycle in
:data:`peakload.contract.payment_order.LIFE_CYCLE`; a step its status does not
allow answers 409 (sign a submitted order, submit a draft).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

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

router = APIRouter(prefix="/payment-orders", tags=["payment orders"])

OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _links(*operations: str) -> dict:
    """OpenAPI links from an answer carrying an order to the next steps on it
    (what schemathesis's stateful runs follow)."""
    return {
        "links": {
            op: {"operationId": op, "parameters": {"order_id": "$response.body#/id"}}
            for op in operations
        }
    }


@router.post(
    "",
    name="create_payment",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOrderPublic,
    responses={**ERROR_RESPONSES, 201: _links("sign_payment", "submit_payment", "get_payment")},
)
async def create_payment(
    body: PaymentOrderCreate, unit: Unit, response: Response, key: CreateKey = None
) -> PaymentOrderPublic:
    row, created = await unit.write("create_payment", payment_orders.create, body, time.time(), key)
    mark_replay(response, created)
    return public.payment_order(row)


@router.post(
    "/{order_id}/signature",
    name="sign_payment",
    response_model=PaymentOrderPublic,
    responses={**ERROR_RESPONSES, 200: _links("submit_payment", "get_payment")},
)
async def sign_payment(order_id: OrderId, body: SignatureCreate, unit: Unit) -> PaymentOrderPublic:
    row = await unit.write(
        "sign_payment", payment_orders.sign, order_id, body.signature, time.time()
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
    accept_after = request.app.state.service.accept_after_s
    row, first = await unit.write(
        "submit_payment",
        payment_orders.submit,
        order_id,
        idempotency_key,
        time.time(),
        accept_after,
    )
    mark_replay(response, first)
    return public.payment_order(row)


@router.get(
    "/{order_id}", name="get_payment", response_model=PaymentOrderPublic, responses=ERROR_RESPONSES
)
async def get_payment(order_id: OrderId, unit: Unit) -> PaymentOrderPublic:
    row = await unit.read("get_payment", payment_orders.get, order_id)
    return public.payment_order(row)


@router.get("", name="list_payments", response_model=PaymentOrderPage, responses=ERROR_RESPONSES)
async def list_payments(
    unit: Unit,
    status_: Annotated[PaymentOrderStatus | None, Query(alias="status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PaymentOrderPage:
    rows, total = await unit.read("list_payments", payment_orders.page, status_, page, page_size)
    return PaymentOrderPage(
        items=[public.payment_order(r) for r in rows],
        page=page,
        page_size=page_size,
        total=total,
    )

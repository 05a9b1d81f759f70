"""Payment orders: draft, sign, submit (idempotent), check, list."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from mock_server import repository
from mock_server.api import public
from mock_server.api.deps import KEY_PATTERN, CreateKey, Unit, mark_replay
from mock_server.models import (
    PaymentOrderCreate,
    PaymentOrderPage,
    PaymentOrderPublic,
    PaymentStatus,
    Problem,
    SignatureCreate,
)

router = APIRouter(prefix="/payment-orders", tags=["payment orders"])

OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS = {404: {"model": Problem}, 409: {"model": Problem}, 503: {"model": Problem}}


@router.post(
    "",
    name="create_payment",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOrderPublic,
    responses=ERRORS,
)
async def create_payment(
    body: PaymentOrderCreate, unit: Unit, response: Response, key: CreateKey = None
) -> PaymentOrderPublic:
    row, created = await unit.write(
        "create_payment", repository.create_payment_order, body, time.time(), key
    )
    mark_replay(response, created)
    return public.payment_order(row)


@router.post(
    "/{order_id}/signature",
    name="sign_payment",
    response_model=PaymentOrderPublic,
    responses=ERRORS,
)
async def sign_payment(order_id: OrderId, body: SignatureCreate, unit: Unit) -> PaymentOrderPublic:
    row = await unit.write(
        "sign_payment", repository.sign_payment_order, order_id, body.signature, time.time()
    )
    return public.payment_order(row)


@router.post(
    "/{order_id}/submission",
    name="submit_payment",
    response_model=PaymentOrderPublic,
    responses=ERRORS,
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
        repository.submit_payment_order,
        order_id,
        idempotency_key,
        time.time(),
        accept_after,
    )
    mark_replay(response, first)
    return public.payment_order(row)


@router.get("/{order_id}", name="get_payment", response_model=PaymentOrderPublic, responses=ERRORS)
async def get_payment(order_id: OrderId, unit: Unit) -> PaymentOrderPublic:
    row = await unit.read("get_payment", repository.get_payment_order, order_id)
    return public.payment_order(row)


@router.get("", name="list_payments", response_model=PaymentOrderPage, responses=ERRORS)
async def list_payments(
    unit: Unit,
    status_: Annotated[PaymentStatus | None, Query(alias="status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PaymentOrderPage:
    rows, total = await unit.read(
        "list_payments", repository.list_payment_orders, status_, page, page_size
    )
    return PaymentOrderPage(
        items=[public.payment_order(r) for r in rows],
        page=page,
        page_size=page_size,
        total=total,
    )

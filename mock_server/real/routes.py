"""The real service's own routes: catalog, payment orders, statements.

Same paths, names, bodies and status codes as the mock's (``mock_server.api.routes``);
what differs is the work behind them (:mod:`mock_server.real.work`): the catalog
is a table, signing and submitting verify RSA signatures and the certificate
chain, a statement is aggregated by the database and also carries its totals
per budget code. Sign-in, dossiers, foreign loans, account closures and the
operations routes are the mock's own, unchanged.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import BaseModel

from mock_server.api import public
from mock_server.api.deps import KEY_PATTERN, CreateKey, Unit, mark_replay
from mock_server.errors import Unprocessable
from mock_server.models import (
    ERROR_RESPONSES,
    BudgetCodePublic,
    PaymentOrderCreate,
    PaymentOrderPage,
    PaymentOrderPublic,
    Problem,
    SignatureCreate,
    Statement,
    StatementEntry,
)
from mock_server.real import work
from mock_server.records import payment_orders
from peakload.contract.payment_order import PaymentOrderStatus

catalog = APIRouter(prefix="/catalog", tags=["catalog"])
orders = APIRouter(prefix="/payment-orders", tags=["payment orders"])
statements = APIRouter(tags=["statements"])

OrderId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_DAYS = 366


class BudgetCodeTotal(BaseModel):
    """One budget code's paid orders in a statement's range."""

    budget_code: str
    count: int
    total_amount: int


class AggregatedStatement(Statement):
    """A statement with its totals per budget code, as the database grouped them."""

    by_budget_code: list[BudgetCodeTotal]


@catalog.get("/budget-codes", name="search_budget_codes", response_model=list[BudgetCodePublic])
async def search_budget_codes(
    unit: Unit,
    q: Annotated[str | None, Query(max_length=100, description="code or words")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[BudgetCodePublic]:
    rows = await unit.read("search_budget_codes", work.search_codes, q, limit)
    return [BudgetCodePublic(code=r["code"], name=r["name"], group=r["category"]) for r in rows]


@orders.post(
    "",
    name="create_payment",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOrderPublic,
    responses=ERROR_RESPONSES,
)
async def create_payment(
    body: PaymentOrderCreate, unit: Unit, response: Response, key: CreateKey = None
) -> PaymentOrderPublic:
    row, created = await unit.write("create_payment", payment_orders.create, body, time.time(), key)
    mark_replay(response, created)
    return public.payment_order(row)


@orders.post(
    "/{order_id}/signature",
    name="sign_payment",
    response_model=PaymentOrderPublic,
    responses=ERROR_RESPONSES,
)
async def sign_payment(
    order_id: OrderId, body: SignatureCreate, unit: Unit, request: Request
) -> PaymentOrderPublic:
    """The unit's signature is made by the remote-signing service for the unit's
    certificate (the client's ``signature`` is its approval, checked for form only)."""
    chain = request.app.state.chain
    row = await unit.write("sign_payment", work.sign, chain, order_id, time.time())
    return public.payment_order(row)


@orders.post(
    "/{order_id}/submission",
    name="submit_payment",
    response_model=PaymentOrderPublic,
    responses=ERROR_RESPONSES,
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
        work.submit,
        state.chain,
        order_id,
        idempotency_key,
        time.time(),
        state.service.accept_after_s,
    )
    mark_replay(response, first)
    return public.payment_order(row)


@orders.get(
    "/{order_id}", name="get_payment", response_model=PaymentOrderPublic, responses=ERROR_RESPONSES
)
async def get_payment(order_id: OrderId, unit: Unit) -> PaymentOrderPublic:
    return public.payment_order(await unit.read("get_payment", payment_orders.get, order_id))


@orders.get("", name="list_payments", response_model=PaymentOrderPage, responses=ERROR_RESPONSES)
async def list_payments(
    unit: Unit,
    status_: Annotated[PaymentOrderStatus | None, Query(alias="status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PaymentOrderPage:
    rows, total = await unit.read("list_payments", payment_orders.page, status_, page, page_size)
    return PaymentOrderPage(
        items=[public.payment_order(r) for r in rows], page=page, page_size=page_size, total=total
    )


@statements.get(
    "/statements",
    name="get_statements",
    response_model=AggregatedStatement,
    responses={503: {"model": Problem}},
)
async def get_statements(
    unit: Unit,
    date_from: Annotated[dt.date, Query(alias="from", description="first day, YYYY-MM-DD")],
    date_to: Annotated[dt.date, Query(alias="to", description="last day, YYYY-MM-DD")],
) -> AggregatedStatement:
    if date_to < date_from:
        raise Unprocessable("'to' is before 'from'", ("query", "to"))
    if (date_to - date_from).days >= MAX_DAYS:
        raise Unprocessable(f"a statement covers at most {MAX_DAYS} days", ("query", "to"))
    result = await unit.read("get_statements", work.statement, date_from, date_to)
    entries = [
        StatementEntry(
            payment_order_id=r["id"],
            paid_at=dt.datetime.fromtimestamp(r["paid_at"], dt.UTC),
            budget_code=r["budget_code"],
            payee_name=r["payee_name"],
            amount=r["amount"],
        )
        for r in result["rows"]
    ]
    return AggregatedStatement(
        unit_code=str(unit.unit_code),
        date_from=date_from,
        date_to=date_to,
        count=result["count"],
        total_amount=result["total_amount"],
        entries=entries,
        truncated=result["count"] > len(entries),
        by_budget_code=[BudgetCodeTotal(**g) for g in result["by_budget_code"]],
    )

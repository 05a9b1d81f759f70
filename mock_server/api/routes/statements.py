"""Statements: the unit's paid orders over a date range, to reconcile its books."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from mock_server.api.deps import Unit
from mock_server.errors import Unprocessable
from mock_server.models import Problem, Statement, StatementEntry
from mock_server.records.statements import statement

router = APIRouter(tags=["statements"])
MAX_DAYS = 366


@router.get(
    "/statements",
    name="get_statements",
    response_model=Statement,
    responses={503: {"model": Problem}},
)
async def get_statements(
    unit: Unit,
    date_from: Annotated[dt.date, Query(alias="from", description="first day, YYYY-MM-DD")],
    date_to: Annotated[dt.date, Query(alias="to", description="last day, YYYY-MM-DD")],
) -> Statement:
    if date_to < date_from:
        raise Unprocessable("'to' is before 'from'", ("query", "to"))
    if (date_to - date_from).days >= MAX_DAYS:
        raise Unprocessable(f"a statement covers at most {MAX_DAYS} days", ("query", "to"))
    result = await unit.read("get_statements", statement, date_from, date_to)
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
    return Statement(
        unit_code=str(unit.unit_code),
        date_from=date_from,
        date_to=date_to,
        count=result["count"],
        total_amount=result["total_amount"],
        entries=entries,
        truncated=result["count"] > len(entries),
    )

"""Statements: the unit's paid orders over a date range, to reconcile its books.

:func:`statements_router` writes the route once (its checks of the range, its
statuses, the entries it lists); what reads the statement is given to it: the
mock's records here (:data:`router`), the database's aggregation in the
real-work service (:mod:`mock_server.real.routes`), which answers a
:class:`~mock_server.models.Statement` with more fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Engine

from mock_server.api.deps import Unit
from mock_server.errors import Unprocessable
from mock_server.models import Problem, Statement, StatementEntry
from mock_server.records.statements import statement

MAX_DAYS = 366

StatementQuery = Callable[[Engine, int, dt.date, dt.date], dict[str, Any]]
"""``(engine, unit_code, date_from, date_to)``: ``{"count", "total_amount", "rows"}``,
and any field ``model`` adds to :class:`Statement`."""


def statements_router(query: StatementQuery, model: type[Statement] = Statement) -> APIRouter:
    """The statement's route, read by ``query`` and answered as ``model``; the fields
    ``model`` adds to :class:`Statement` are taken from ``query``'s result by name."""
    router = APIRouter(tags=["statements"])
    extra_fields = model.model_fields.keys() - Statement.model_fields.keys()

    @router.get(
        "/statements",
        name="get_statements",
        response_model=model,
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
        result = await unit.read("get_statements", query, date_from, date_to)
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
        return model(
            unit_code=str(unit.unit_code),
            date_from=date_from,
            date_to=date_to,
            count=result["count"],
            total_amount=result["total_amount"],
            entries=entries,
            truncated=result["count"] > len(entries),
            **{name: result[name] for name in extra_fields},
        )

    return router


router = statements_router(statement)

"""The budget classification catalog a payment order is charged to.

:func:`catalog_router` writes the route once; what answers the search is given
to it: the mock's in-memory catalog here (:data:`router`), a table in the
real-work service (:mod:`mock_server.real.routes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Engine

from mock_server.api.deps import Unit
from mock_server.catalog import search
from mock_server.models import BudgetCodePublic

CodeSearch = Callable[[Engine, int, str | None, int], list[BudgetCodePublic]]
"""``(engine, unit_code, q, limit)``: the budget codes matching ``q``, at most ``limit``."""


def catalog_router(search_codes: CodeSearch) -> APIRouter:
    """The catalog's routes, answered by ``search_codes``."""
    router = APIRouter(prefix="/catalog", tags=["catalog"])

    @router.get("/budget-codes", name="search_budget_codes", response_model=list[BudgetCodePublic])
    async def search_budget_codes(
        unit: Unit,
        q: Annotated[str | None, Query(max_length=100, description="code or words")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[BudgetCodePublic]:
        return await unit.read("search_budget_codes", search_codes, q, limit)

    return router


def search_in_memory(
    engine: Engine, unit_code: int, query: str | None, limit: int
) -> list[BudgetCodePublic]:
    """The mock's catalog is a list in memory: no database work."""
    return [BudgetCodePublic(code=c.code, name=c.name, group=c.group) for c in search(query, limit)]


router = catalog_router(search_in_memory)

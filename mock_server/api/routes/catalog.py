"""The budget classification catalog a payment order is charged to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mock_server.api.deps import Unit
from mock_server.catalog import search
from mock_server.middleware import through_tiers
from mock_server.models import BudgetCodePublic

router = APIRouter(prefix="/catalog", tags=["catalog"])


@router.get("/budget-codes", name="search_budget_codes", response_model=list[BudgetCodePublic])
async def search_budget_codes(
    unit: Unit,
    q: Annotated[str | None, Query(max_length=100, description="code or words")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[BudgetCodePublic]:
    await through_tiers(unit.capacity, "search_budget_codes")
    return [BudgetCodePublic(code=c.code, name=c.name, group=c.group) for c in search(q, limit)]

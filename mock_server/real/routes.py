"""The real service's own routes: catalog, payment orders, statements.

The routes are the mock's (:mod:`mock_server.api.routes`, the same paths, names,
bodies and status codes, written once there); what this module gives them is the
work behind (:mod:`mock_server.real.work`): the catalog is a table, signing and
submitting verify RSA signatures and the certificate chain, a statement is
aggregated by the database and also carries its totals per budget code.
Sign-in, dossiers, foreign loans, account closures and the operations routes
are the mock's own, unchanged.
"""

from __future__ import annotations

from functools import partial

from pydantic import BaseModel
from sqlalchemy import Engine

from mock_server.api.routes.catalog import catalog_router
from mock_server.api.routes.payment_orders import OrderSteps, payment_orders_router
from mock_server.api.routes.statements import statements_router
from mock_server.models import BudgetCodePublic, Statement
from mock_server.real import work


class BudgetCodeTotal(BaseModel):
    """One budget code's paid orders in a statement's range."""

    budget_code: str
    count: int
    total_amount: int


class AggregatedStatement(Statement):
    """A statement with its totals per budget code, as the database grouped them."""

    by_budget_code: list[BudgetCodeTotal]


def search_table(
    engine: Engine, unit_code: int, query: str | None, limit: int
) -> list[BudgetCodePublic]:
    """The catalog as a table the database searches."""
    rows = work.search_codes(engine, unit_code, query, limit)
    return [BudgetCodePublic(code=r["code"], name=r["name"], group=r["category"]) for r in rows]


def verified_steps() -> OrderSteps:
    """Sign with the unit's certificate and verify it, verify again on submission,
    with the trust chain the worker loaded (``app.state.chain``)."""
    return OrderSteps(
        sign=lambda state: partial(work.sign, state.chain),
        submit=lambda state: partial(work.submit, state.chain),
    )


catalog = catalog_router(search_table)
orders = payment_orders_router(verified_steps())
statements = statements_router(work.statement, AggregatedStatement)

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

from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.datastructures import State

from mock_server.api.routes.catalog import catalog_router
from mock_server.api.routes.payment_orders import OrderSteps, Row, payment_orders_router
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


def sign_with_chain(
    engine: Engine, unit_code: int, state: State, order_id: int, signature: str, now: float
) -> Row:
    """The unit's signature is made by the remote-signing service for the unit's
    certificate (the client's ``signature`` is its approval, checked for form only)."""
    return work.sign(engine, unit_code, state.chain, order_id, now)


def submit_verified(
    engine: Engine,
    unit_code: int,
    state: State,
    order_id: int,
    key: str,
    now: float,
    accept_after_s: float,
) -> tuple[Row, bool]:
    """Submit once the stored signature and the unit's chain are verified."""
    return work.submit(engine, unit_code, state.chain, order_id, key, now, accept_after_s)


catalog = catalog_router(search_table)
orders = payment_orders_router(OrderSteps(sign=sign_with_chain, submit=submit_verified))
statements = statements_router(work.statement, AggregatedStatement)

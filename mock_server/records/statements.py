"""Statements: the unit's paid orders over a range of days, to reconcile its books.

A statement counts and sums every order paid in the range (UTC days, both ends
included) and lists the first :data:`MAX_STATEMENT_ENTRIES` of them by time of
payment; the route marks it truncated when the count is larger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, select

from mock_server.tables import payment_orders
from peakload.contract.payment_order import PaymentOrderStatus

MAX_STATEMENT_ENTRIES = 500


def paid_in_range(unit_code: int, date_from: dt.date, date_to: dt.date) -> ColumnElement[bool]:
    """The unit's orders paid from the start of ``date_from`` to the end of ``date_to`` (UTC)."""
    start = dt.datetime.combine(date_from, dt.time(), dt.UTC).timestamp()
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
    return and_(
        payment_orders.c.unit_code == unit_code,
        payment_orders.c.status == PaymentOrderStatus.PAID.value,
        payment_orders.c.paid_at >= start,
        payment_orders.c.paid_at < end,
    )


def first_entries(conn: Connection, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
    """The first :data:`MAX_STATEMENT_ENTRIES` orders matching ``condition``, by time paid."""
    rows = (
        conn.execute(
            select(payment_orders)
            .where(condition)
            .order_by(payment_orders.c.paid_at)
            .limit(MAX_STATEMENT_ENTRIES)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def statement(
    engine: Engine, unit_code: int, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """``{"count", "total_amount", "rows"}`` for the unit's orders paid in the range."""
    condition = paid_in_range(unit_code, date_from, date_to)
    with engine.connect() as conn:
        count, total = conn.execute(
            select(func.count(), func.coalesce(func.sum(payment_orders.c.amount), 0)).where(
                condition
            )
        ).one()
        rows = first_entries(conn, condition)
    return {"count": count, "total_amount": int(total), "rows": rows}

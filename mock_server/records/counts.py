"""Records by type and status: what the server holds, for reconciliation.

``GET /admin/stats`` answers these counts; a load test reads them before and
after its run and checks them against the writes its users saw succeed
(``loadtests/ledger.py``).
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from mock_server.tables import (
    account_closures,
    dossiers,
    foreign_loan_records,
    payment_orders,
    units,
)

RECORD_TABLES = {
    "payment_orders": payment_orders,
    "dossiers": dossiers,
    "foreign_loan_records": foreign_loan_records,
    "account_closures": account_closures,
}


def record_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """``{record type: {status: count}}``, plus ``{"units": {"all": n}}``."""
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name, table in RECORD_TABLES.items():
            rows = conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
            counts[name] = {status: n for status, n in rows}
        counts["units"] = {
            "all": conn.execute(select(func.count()).select_from(units)).scalar_one()
        }
    return counts

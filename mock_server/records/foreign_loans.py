"""Foreign-loan records: revenue drawn from, or spending charged to, a foreign loan.

Each record names the loan agreement and donor, an amount in the loan's currency
and the budget code it is booked to. It is recorded on creation and stays so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from mock_server.models import ForeignLoanRecordCreate, ForeignLoanRecordStatus
from mock_server.records.idempotent import insert_once
from mock_server.tables import foreign_loan_records

Row = dict[str, Any]


def create(
    engine: Engine, unit_code: int, record: ForeignLoanRecordCreate, now: float, key: str | None
) -> tuple[Row, bool]:
    """Record a foreign-loan movement: ``(record, created)``; a repeated ``key``
    answers the first."""
    values = {
        "unit_code": unit_code,
        "kind": record.kind.value,
        "loan_agreement": record.loan_agreement,
        "donor": record.donor,
        "amount": record.amount,
        "currency": record.currency,
        "budget_code": record.budget_code,
        "value_date": record.value_date.isoformat(),
        "status": ForeignLoanRecordStatus.RECORDED.value,
        "created_at": now,
    }
    return insert_once(engine, foreign_loan_records, unit_code, key, values)

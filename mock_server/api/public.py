"""Database rows to public models: epoch seconds become UTC datetimes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from mock_server.models import (
    AccountClosurePublic,
    DossierPublic,
    ForeignLoanRecordPublic,
    PaymentOrderPublic,
)


def _when(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def payment_order(row: dict[str, Any]) -> PaymentOrderPublic:
    return PaymentOrderPublic(
        id=row["id"],
        unit_code=str(row["unit_code"]),
        payer_account=row["payer_account"],
        amount=row["amount"],
        budget_code=row["budget_code"],
        payee_name=row["payee_name"],
        payee_account=row["payee_account"],
        content=row["content"],
        status=row["status"],
        rejection_reason=row.get("rejection_reason"),
        created_at=_when(row["created_at"]),
        signed_at=_when(row.get("signed_at")),
        submitted_at=_when(row.get("submitted_at")),
        decided_at=_when(row.get("decided_at")),
        paid_at=_when(row.get("paid_at")),
    )


def dossier(row: dict[str, Any]) -> DossierPublic:
    return DossierPublic(
        id=row["id"],
        unit_code=str(row["unit_code"]),
        dossier_type=row["dossier_type"],
        title=row["title"],
        payment_order_id=row["payment_order_id"],
        attachments=json.loads(row["attachments"]),
        status=row["status"],
        created_at=_when(row["created_at"]),
    )


def foreign_loan_record(row: dict[str, Any]) -> ForeignLoanRecordPublic:
    return ForeignLoanRecordPublic(
        **{
            k: row[k]
            for k in (
                "id",
                "kind",
                "loan_agreement",
                "donor",
                "amount",
                "currency",
                "budget_code",
                "value_date",
                "status",
            )
        },
        unit_code=str(row["unit_code"]),
        created_at=_when(row["created_at"]),
    )


def account_closure(row: dict[str, Any]) -> AccountClosurePublic:
    return AccountClosurePublic(
        id=row["id"],
        unit_code=str(row["unit_code"]),
        account_number=row["account_number"],
        reason=row["reason"],
        status=row["status"],
        created_at=_when(row["created_at"]),
    )

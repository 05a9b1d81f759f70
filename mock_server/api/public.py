"""Database rows to public models: epoch seconds become UTC datetimes.

A public model's fields are named as the record's columns, so one function
(:func:`_public`) reads any of them; what differs is said where it differs
(a dossier's attachments are stored as JSON).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeVar

from pydantic import BaseModel

from mock_server.models import (
    AccountClosurePublic,
    DossierPublic,
    ForeignLoanRecordPublic,
    PaymentOrderPublic,
)

P = TypeVar("P", bound=BaseModel)


def _when(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _public(model: type[P], row: dict[str, Any], **given: Any) -> P:
    """``model`` from ``row``: each field from the column of its name (None where the
    row has no such column), ``unit_code`` as text, a time ``*_at`` as a UTC datetime,
    and the fields in ``given`` as given."""
    fields: dict[str, Any] = {}
    for name in model.model_fields.keys() - given.keys():
        value = row.get(name)
        fields[name] = _when(value) if name.endswith("_at") else value
    fields["unit_code"] = str(row["unit_code"])
    return model(**fields, **given)


def payment_order(row: dict[str, Any]) -> PaymentOrderPublic:
    return _public(PaymentOrderPublic, row)


def dossier(row: dict[str, Any]) -> DossierPublic:
    return _public(DossierPublic, row, attachments=json.loads(row["attachments"]))


def foreign_loan_record(row: dict[str, Any]) -> ForeignLoanRecordPublic:
    return _public(ForeignLoanRecordPublic, row)


def account_closure(row: dict[str, Any]) -> AccountClosurePublic:
    return _public(AccountClosurePublic, row)

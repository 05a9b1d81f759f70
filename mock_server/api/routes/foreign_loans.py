"""Foreign-loan records: record revenue drawn from, or spending charged to, a loan."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response, status

from mock_server.api import public
from mock_server.api.deps import CreateKey, Unit, mark_replay
from mock_server.models import (
    ERROR_RESPONSES,
    ForeignLoanRecordCreate,
    ForeignLoanRecordPublic,
)
from mock_server.records import foreign_loans

router = APIRouter(prefix="/foreign-loan-records", tags=["foreign loans"])


@router.post(
    "",
    name="record_foreign_loan",
    status_code=status.HTTP_201_CREATED,
    response_model=ForeignLoanRecordPublic,
    responses=ERROR_RESPONSES,
)
async def record_foreign_loan(
    body: ForeignLoanRecordCreate, unit: Unit, response: Response, key: CreateKey = None
) -> ForeignLoanRecordPublic:
    row, created = await unit.write(
        "record_foreign_loan", foreign_loans.create, body, time.time(), key
    )
    mark_replay(response, created)
    return public.foreign_loan_record(row)

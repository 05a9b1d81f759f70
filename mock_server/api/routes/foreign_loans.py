"""Foreign-loan records: record revenue drawn from, or spending charged to, a loan."""

from __future__ import annotations

from fastapi import APIRouter

from mock_server.api import public
from mock_server.api.create_route import add_create_route
from mock_server.models import ForeignLoanRecordCreate, ForeignLoanRecordPublic
from mock_server.records import foreign_loans

router = APIRouter(prefix="/foreign-loan-records", tags=["foreign loans"])
add_create_route(
    router,
    "record_foreign_loan",
    ForeignLoanRecordCreate,
    ForeignLoanRecordPublic,
    foreign_loans.create,
    public.foreign_loan_record,
)

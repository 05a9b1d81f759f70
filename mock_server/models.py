"""Request and response bodies: ``XCreate`` is what a unit sends, ``XPublic`` what it gets.

Limits are part of the contract: a request outside them gets a 422 naming the
field, never a 500. Every record's ``status`` is an enum whose values are the
API's strings: a payment order's is the life cycle's
:class:`~peakload.contract.payment_order.PaymentOrderStatus`, the other records'
are defined here with them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mock_server.catalog import CODES
from peakload.contract.payment_order import PaymentOrderStatus

MAX_AMOUNT = 10**13  # VND 10 trillion: larger than any single budget payment

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
BudgetCodeField = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}$",
        json_schema_extra={"enum": sorted(CODES)},
        description="a sub-section code of the budget catalog",
    ),
]
AccountNumber = Annotated[str, Field(pattern=r"^[0-9][0-9.\-]{5,19}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _known_budget_code(value: str) -> str:
    if value not in CODES:
        raise ValueError("unknown budget code (see GET /api/v1/catalog/budget-codes)")
    return value


class TokenRequest(_In):
    unit_code: str = Field(pattern=r"^[0-9]{7}$", description="7-digit budget unit code")
    password: str = Field(min_length=1, max_length=64)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class BudgetCodePublic(BaseModel):
    code: str
    name: str
    group: str


class PaymentOrderCreate(_In):
    """A draft payment order: pay ``amount`` VND to the payee, charged to ``budget_code``."""

    amount: int = Field(gt=0, le=MAX_AMOUNT, description="VND")
    budget_code: BudgetCodeField
    payee_name: Text200
    payee_account: AccountNumber
    content: str = Field(min_length=1, max_length=500)
    payer_account: AccountNumber | None = Field(
        default=None, description="one of the unit's accounts; default its 8113 account"
    )

    _code = field_validator("budget_code")(_known_budget_code)


class SignatureCreate(_In):
    """The chief accountant's signature over a draft order, with the certificate used."""

    signature: str = Field(
        min_length=16,
        max_length=8192,
        pattern=r"^[A-Za-z0-9+/=]+$",
        description="base64 signature over the order",
    )
    certificate_serial: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Fa-f]+$")


class PaymentOrderPublic(BaseModel):
    """A payment order as its unit sees it; the ``*_at`` times fill in as it moves on."""

    id: int
    unit_code: str
    payer_account: str
    amount: int
    budget_code: str
    payee_name: str
    payee_account: str
    content: str
    status: PaymentOrderStatus
    rejection_reason: str | None = None
    created_at: dt.datetime
    signed_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None


class PaymentOrderPage(BaseModel):
    """One page of the unit's orders, newest first, and how many there are in all."""

    items: list[PaymentOrderPublic]
    page: int
    page_size: int
    total: int


class DossierStatus(StrEnum):
    """A dossier is received when handed over; the mock takes it no further."""

    RECEIVED = "received"


class DossierType(StrEnum):
    EXPENDITURE_CONTROL = "expenditure_control"
    ADVANCE = "advance"
    ONE_STOP = "one_stop"


class Attachment(_In):
    file_name: str = Field(min_length=1, max_length=200)
    size_bytes: int = Field(gt=0, le=50 * 1024 * 1024)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class DossierCreate(_In):
    """A dossier hand-over slip: its papers, optionally about one of the unit's orders."""

    dossier_type: DossierType
    title: str = Field(min_length=1, max_length=300)
    payment_order_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    attachments: list[Attachment] = Field(min_length=1, max_length=20)


class DossierPublic(BaseModel):
    """A received dossier as its unit sees it."""

    id: int
    unit_code: str
    dossier_type: DossierType
    title: str
    payment_order_id: int | None = None
    attachments: list[Attachment]
    status: DossierStatus
    created_at: dt.datetime


class ForeignLoanRecordStatus(StrEnum):
    """A foreign-loan record is recorded when created; the mock takes it no further."""

    RECORDED = "recorded"


class LoanRecordKind(StrEnum):
    REVENUE = "revenue"
    EXPENDITURE = "expenditure"


class ForeignLoanRecordCreate(_In):
    """Revenue drawn from, or spending charged to, a foreign loan, in its currency."""

    kind: LoanRecordKind
    loan_agreement: str = Field(min_length=1, max_length=50)
    donor: Text200
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    budget_code: BudgetCodeField
    value_date: dt.date

    _code = field_validator("budget_code")(_known_budget_code)

    @field_validator("value_date")
    @classmethod
    def _plausible_date(cls, value: dt.date) -> dt.date:
        if not dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise ValueError("value_date must be between 2000-01-01 and 2100-12-31")
        return value


class ForeignLoanRecordPublic(BaseModel):
    """A recorded foreign-loan movement as its unit sees it."""

    id: int
    unit_code: str
    kind: LoanRecordKind
    loan_agreement: str
    donor: str
    amount: int
    currency: str
    budget_code: str
    value_date: dt.date
    status: ForeignLoanRecordStatus
    created_at: dt.datetime


class AccountClosureStatus(StrEnum):
    """A closure closes the account at once, for good."""

    CLOSED = "closed"


class AccountClosureCreate(_In):
    """Close one of the unit's accounts; refused while signed orders on it are unpaid."""

    account_number: AccountNumber
    reason: str = Field(min_length=1, max_length=300)


class AccountClosurePublic(BaseModel):
    """A closed account as its unit sees it."""

    id: int
    unit_code: str
    account_number: str
    reason: str
    status: AccountClosureStatus
    created_at: dt.datetime


class StatementEntry(BaseModel):
    payment_order_id: int
    paid_at: dt.datetime
    budget_code: str
    payee_name: str
    amount: int


class Statement(BaseModel):
    unit_code: str
    date_from: dt.date
    date_to: dt.date
    count: int
    total_amount: int
    entries: list[StatementEntry]
    truncated: bool


class Problem(BaseModel):
    """Every error body: a human sentence, and where useful the field or tier."""

    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem},
    409: {"model": Problem},
    503: {"model": Problem},
}
"""The error answers every resource route documents in the OpenAPI schema: not found,
a conflict with the record's state, and a tier too busy to queue the request."""

"""The service's tables (SQLAlchemy Core): what a 2xx on a write has committed.

Times are epoch seconds (floats); every record belongs to the unit that wrote
it (``unit_code``) and may carry the Idempotency-Key it was created with
(``create_key``, unique per unit). A ``status`` column holds the value of its
record type's status enum, and a CHECK constraint built from that enum keeps
any other string out of the database.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mock_server.models import AccountClosureStatus, DossierStatus, ForeignLoanRecordStatus
from peakload.contract.payment_order import PaymentOrderStatus

metadata = MetaData()


def status_column(enum: type[StrEnum], table_name: str) -> tuple[Column, CheckConstraint]:
    """A ``status`` column and the CHECK constraint that admits only ``enum``'s values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return (
        Column("status", String(12), nullable=False),
        CheckConstraint(f"status IN ({values})", name=f"ck_{table_name}_status"),
    )


units = Table(
    "units",
    metadata,
    Column("code", Integer, primary_key=True, autoincrement=False),
    Column("name", String(120), nullable=False),
    Column("province", String(2), nullable=False),
)

payment_orders = Table(
    "payment_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_code", Integer, ForeignKey("units.code"), nullable=False),
    Column("payer_account", String(20), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("budget_code", String(4), nullable=False),
    Column("payee_name", String(200), nullable=False),
    Column("payee_account", String(20), nullable=False),
    Column("content", String(500), nullable=False),
    *status_column(PaymentOrderStatus, "payment_orders"),
    Column("rejection_reason", String(300)),
    Column("signature", Text),
    Column("submission_key", String(100)),  # the Idempotency-Key of its submission
    Column("create_key", String(100)),  # the Idempotency-Key of its creation, if sent
    Column("created_at", Float, nullable=False),
    Column("signed_at", Float),
    Column("submitted_at", Float),
    Column("decided_at", Float),
    Column("paid_at", Float),
    Column("next_step_at", Float),  # when expenditure control takes its next step
    UniqueConstraint("unit_code", "submission_key", name="uq_submission_key"),
    UniqueConstraint("unit_code", "create_key", name="uq_order_create_key"),
    Index("ix_orders_unit_status", "unit_code", "status"),
    Index("ix_orders_control", "status", "next_step_at"),
)


def unit_record(name: str, status: type[StrEnum], key_constraint: str, *columns: Column) -> Table:
    """A table of one kind of record a unit creates (with an optional Idempotency-Key):
    its id, key and unit, then ``columns``, its status, when it was created, and the
    key unique per unit under ``key_constraint``."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("create_key", String(100)),
        Column("unit_code", Integer, ForeignKey("units.code"), nullable=False, index=True),
        *columns,
        *status_column(status, name),
        Column("created_at", Float, nullable=False),
        UniqueConstraint("unit_code", "create_key", name=key_constraint),
    )


dossiers = unit_record(
    "dossiers",
    DossierStatus,
    "uq_dossier_create_key",
    Column("dossier_type", String(30), nullable=False),
    Column("title", String(300), nullable=False),
    Column("payment_order_id", Integer),
    Column("attachments", Text, nullable=False),  # JSON list of attachment metadata
)

foreign_loan_records = unit_record(
    "foreign_loan_records",
    ForeignLoanRecordStatus,
    "uq_loan_create_key",
    Column("kind", String(12), nullable=False),
    Column("loan_agreement", String(50), nullable=False),
    Column("donor", String(200), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("budget_code", String(4), nullable=False),
    Column("value_date", String(10), nullable=False),
)

account_closures = unit_record(
    "account_closures",
    AccountClosureStatus,
    "uq_closure_create_key",
    Column("account_number", String(20), nullable=False, unique=True),
    Column("reason", String(300), nullable=False),
)

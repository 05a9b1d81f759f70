"""Reads and writes, one short transaction each (run in the thread pool).

Each write commits before it returns: the handler answers 2xx only after that.
Every query is scoped to the unit that asks, so another unit's ids are simply
not found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mock_server.errors import Conflict, NotFound, Unprocessable
from mock_server.models import (
    UNPAID,
    AccountClosureCreate,
    DossierCreate,
    ForeignLoanRecordCreate,
    PaymentOrderCreate,
    PaymentStatus,
)
from mock_server.tables import (
    account_closures,
    dossiers,
    foreign_loan_records,
    payment_orders,
    units,
)
from peakload.core.units import account_numbers, default_account

MAX_STATEMENT_ENTRIES = 500
CONTROL_BATCH = 500

REJECTION_REASONS = (
    "amount exceeds the remaining budget estimate for this budget code",
    "payee account does not match the contract on file",
    "supporting dossier missing for expenditure control",
)


def _check_account(conn, unit_code: int, account: str, field: str) -> None:
    if account not in account_numbers(unit_code):
        raise Unprocessable(
            f"account {account} is not one of unit {unit_code}'s accounts", ("body", field)
        )
    closed = conn.execute(
        select(account_closures.c.id).where(account_closures.c.account_number == account)
    ).first()
    if closed:
        raise Conflict(f"account {account} is closed")


def _earlier(conn, table, unit_code: int, key: str | None) -> dict[str, Any] | None:
    if key is None:
        return None
    row = (
        conn.execute(select(table).where(table.c.unit_code == unit_code, table.c.create_key == key))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _insert_once(
    engine: Engine,
    table,
    unit_code: int,
    key: str | None,
    values: dict[str, Any],
    check: Callable[[Any], None] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Insert a record, or with an Idempotency-Key seen before, answer the first one.

    Returns (record, created). A retry after a lost answer therefore never makes a
    second record; the unique (unit, key) constraint holds this even for two
    retries racing each other.
    """
    values = {**values, "create_key": key}
    try:
        with engine.begin() as conn:
            earlier = _earlier(conn, table, unit_code, key)
            if earlier is not None:
                return earlier, False
            if check is not None:
                check(conn)
            new_id = conn.execute(insert(table).values(values)).inserted_primary_key[0]
    except IntegrityError:
        with engine.connect() as conn:
            earlier = _earlier(conn, table, unit_code, key)
        if earlier is None:
            raise
        return earlier, False
    return {"id": new_id, **values}, True


# --- payment orders -----------------------------------------------------------------


def create_payment_order(
    engine: Engine, unit_code: int, order: PaymentOrderCreate, now: float, key: str | None
) -> tuple[dict[str, Any], bool]:
    payer = order.payer_account or default_account(unit_code)
    values = {
        "unit_code": unit_code,
        "payer_account": payer,
        "amount": order.amount,
        "budget_code": order.budget_code,
        "payee_name": order.payee_name,
        "payee_account": order.payee_account,
        "content": order.content,
        "status": PaymentStatus.DRAFT.value,
        "created_at": now,
    }
    return _insert_once(
        engine,
        payment_orders,
        unit_code,
        key,
        values,
        check=lambda conn: _check_account(conn, unit_code, payer, "payer_account"),
    )


# Built once: a statement reused with new parameters skips SQLAlchemy's per-call
# construction and cache-key work, the larger part of a read's cost here.
_ORDER_OF_UNIT = select(payment_orders).where(
    payment_orders.c.id == bindparam("order_id"), payment_orders.c.unit_code == bindparam("unit")
)


def _order(conn, unit_code: int, order_id: int) -> dict[str, Any]:
    parameters = {"order_id": order_id, "unit": unit_code}
    row = conn.execute(_ORDER_OF_UNIT, parameters).mappings().first()
    if row is None:
        raise NotFound(f"payment order {order_id} not found")
    return dict(row)


def get_payment_order(engine: Engine, unit_code: int, order_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return _order(conn, unit_code, order_id)


def sign_payment_order(
    engine: Engine, unit_code: int, order_id: int, signature: str, now: float
) -> dict[str, Any]:
    with engine.begin() as conn:
        changed = conn.execute(
            update(payment_orders)
            .where(
                payment_orders.c.id == order_id,
                payment_orders.c.unit_code == unit_code,
                payment_orders.c.status == PaymentStatus.DRAFT.value,
            )
            .values(status=PaymentStatus.SIGNED.value, signature=signature, signed_at=now)
        ).rowcount
        order = _order(conn, unit_code, order_id)
    if not changed:
        raise Conflict(f"payment order {order_id} is {order['status']}; only a draft is signed")
    return order


def submit_payment_order(
    engine: Engine, unit_code: int, order_id: int, key: str, now: float, accept_after_s: float
) -> tuple[dict[str, Any], bool]:
    """Submit a signed order under an idempotency key: (order, newly submitted).

    The same key always answers with the order it first submitted; a key is never
    used for a second order (a unique constraint, not just this check, holds it).
    """
    with engine.begin() as conn:
        earlier = conn.execute(
            select(payment_orders.c.id).where(
                payment_orders.c.unit_code == unit_code,
                payment_orders.c.submission_key == key,
            )
        ).first()
        if earlier is not None:
            if earlier.id != order_id:
                raise Unprocessable(
                    f"Idempotency-Key already submitted payment order {earlier.id}",
                    ("header", "idempotency-key"),
                )
            return _order(conn, unit_code, order_id), False
        changed = conn.execute(
            update(payment_orders)
            .where(
                payment_orders.c.id == order_id,
                payment_orders.c.unit_code == unit_code,
                payment_orders.c.status == PaymentStatus.SIGNED.value,
            )
            .values(
                status=PaymentStatus.SUBMITTED.value,
                submission_key=key,
                submitted_at=now,
                next_step_at=now + accept_after_s,
            )
        ).rowcount
        order = _order(conn, unit_code, order_id)
    if not changed:
        if order["submission_key"] == key:  # a concurrent retry with the same key won
            return order, False
        raise Conflict(
            f"payment order {order_id} is {order['status']}; only a signed order is submitted"
        )
    return order, True


def list_payment_orders(
    engine: Engine, unit_code: int, status: PaymentStatus | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    condition = payment_orders.c.unit_code == unit_code
    if status is not None:
        condition = and_(condition, payment_orders.c.status == status.value)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(payment_orders).where(condition)
        ).scalar_one()
        rows = (
            conn.execute(
                select(payment_orders)
                .where(condition)
                .order_by(payment_orders.c.id.desc())
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows], total


# --- expenditure control (the Treasury's side) --------------------------------------


def rejects(order_id: int, reject_rate: float) -> str | None:
    """Whether control rejects an order, and why: a fixed function of its id, so runs
    with the same data decide the same way and no global random state is touched."""
    digest = hashlib.sha256(f"control:{order_id}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw >= reject_rate:
        return None
    return REJECTION_REASONS[digest[8] % len(REJECTION_REASONS)]


def control_step(engine: Engine, now: float, pay_after_s: float, reject_rate: float) -> int:
    """Move due submitted orders to accepted or rejected, due accepted ones to paid."""
    moved = 0
    with engine.begin() as conn:
        due = conn.execute(
            select(payment_orders.c.id, payment_orders.c.status)
            .where(
                payment_orders.c.status.in_(
                    [PaymentStatus.SUBMITTED.value, PaymentStatus.ACCEPTED.value]
                ),
                payment_orders.c.next_step_at <= now,
            )
            .limit(CONTROL_BATCH)
        ).all()
        for order_id, status in due:
            if status == PaymentStatus.ACCEPTED.value:
                values = {"status": PaymentStatus.PAID.value, "paid_at": now, "next_step_at": None}
            elif (reason := rejects(order_id, reject_rate)) is not None:
                values = {
                    "status": PaymentStatus.REJECTED.value,
                    "decided_at": now,
                    "rejection_reason": reason,
                    "next_step_at": None,
                }
            else:
                values = {
                    "status": PaymentStatus.ACCEPTED.value,
                    "decided_at": now,
                    "next_step_at": now + pay_after_s,
                }
            moved += conn.execute(
                update(payment_orders)
                .where(payment_orders.c.id == order_id, payment_orders.c.status == status)
                .values(values)
            ).rowcount
    return moved


# --- dossiers, foreign-loan records, account closures --------------------------------


def create_dossier(
    engine: Engine, unit_code: int, dossier: DossierCreate, now: float, key: str | None
) -> tuple[dict[str, Any], bool]:
    def check(conn) -> None:
        if dossier.payment_order_id is None:
            return
        try:
            _order(conn, unit_code, dossier.payment_order_id)
        except NotFound:
            raise Unprocessable(
                f"payment_order_id {dossier.payment_order_id} is not one of your orders",
                ("body", "payment_order_id"),
            ) from None

    values = {
        "unit_code": unit_code,
        "dossier_type": dossier.dossier_type.value,
        "title": dossier.title,
        "payment_order_id": dossier.payment_order_id,
        "attachments": json.dumps([a.model_dump() for a in dossier.attachments]),
        "status": "received",
        "created_at": now,
    }
    return _insert_once(engine, dossiers, unit_code, key, values, check)


def get_dossier(engine: Engine, unit_code: int, dossier_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(dossiers).where(
                    dossiers.c.id == dossier_id, dossiers.c.unit_code == unit_code
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"dossier {dossier_id} not found")
    return dict(row)


def create_foreign_loan_record(
    engine: Engine, unit_code: int, record: ForeignLoanRecordCreate, now: float, key: str | None
) -> tuple[dict[str, Any], bool]:
    values = {
        "unit_code": unit_code,
        "kind": record.kind.value,
        "loan_agreement": record.loan_agreement,
        "donor": record.donor,
        "amount": record.amount,
        "currency": record.currency,
        "budget_code": record.budget_code,
        "value_date": record.value_date.isoformat(),
        "status": "recorded",
        "created_at": now,
    }
    return _insert_once(engine, foreign_loan_records, unit_code, key, values)


def close_account(
    engine: Engine, unit_code: int, closure: AccountClosureCreate, now: float, key: str | None
) -> tuple[dict[str, Any], bool]:
    account = closure.account_number

    def check(conn) -> None:
        _check_account(conn, unit_code, account, "account_number")
        unpaid = conn.execute(
            select(func.count())
            .select_from(payment_orders)
            .where(
                payment_orders.c.payer_account == account,
                payment_orders.c.status.in_([s.value for s in UNPAID]),
            )
        ).scalar_one()
        if unpaid:
            raise Conflict(
                f"account {account} has {unpaid} unpaid payment order(s); "
                "it can be closed once they are paid or rejected"
            )

    values = {
        "unit_code": unit_code,
        "account_number": account,
        "reason": closure.reason,
        "status": "closed",
        "created_at": now,
    }
    return _insert_once(engine, account_closures, unit_code, key, values, check)


# --- statements and statistics ---------------------------------------------------------


def statement(
    engine: Engine, unit_code: int, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    start = dt.datetime.combine(date_from, dt.time(), dt.UTC).timestamp()
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.UTC).timestamp()
    condition = and_(
        payment_orders.c.unit_code == unit_code,
        payment_orders.c.status == PaymentStatus.PAID.value,
        payment_orders.c.paid_at >= start,
        payment_orders.c.paid_at < end,
    )
    with engine.connect() as conn:
        count, total = conn.execute(
            select(func.count(), func.coalesce(func.sum(payment_orders.c.amount), 0)).where(
                condition
            )
        ).one()
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
    return {"count": count, "total_amount": int(total), "rows": [dict(r) for r in rows]}


def record_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Records by type and status, for reconciliation with a load test's successes."""
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name, table in (
            ("payment_orders", payment_orders),
            ("dossiers", dossiers),
            ("foreign_loan_records", foreign_loan_records),
            ("account_closures", account_closures),
        ):
            rows = conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
            counts[name] = {status: n for status, n in rows}
        counts["units"] = {
            "all": conn.execute(select(func.count()).select_from(units)).scalar_one()
        }
    return counts

"""Payment orders, the unit's side of their life cycle: draft, sign, submit, read, list.

An order is created as a draft, signed, then submitted under an Idempotency-Key;
from there the Treasury's expenditure control (:mod:`mock_server.control`)
accepts or rejects it and pays it. Which action is allowed from which status is
not written here: the transition table :data:`peakload.contract.payment_order.LIFE_CYCLE`
gives each ``UPDATE ... WHERE status IN (...)`` its statuses. The database still
decides atomically: of two racing signatures one changes the row, and the other
finds the order no longer a draft and answers 409.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, func, select, update

from mock_server.errors import Conflict, NotFound, Unprocessable
from mock_server.models import PaymentOrderCreate
from mock_server.records.accounts import check_account
from mock_server.records.idempotent import insert_once
from mock_server.tables import payment_orders
from peakload.contract.payment_order import (
    INITIAL,
    LIFE_CYCLE,
    UNPAID,
    PaymentOrderAction,
    PaymentOrderStatus,
    TransitionNotAllowed,
)
from peakload.core.units import default_account

Row = dict[str, Any]

# Built once: a statement reused with new parameters skips SQLAlchemy's per-call
# construction and cache-key work, the larger part of a read's cost here.
_ORDER_OF_UNIT = select(payment_orders).where(
    payment_orders.c.id == bindparam("order_id"), payment_orders.c.unit_code == bindparam("unit")
)
_UNPAID = tuple(sorted(status.value for status in UNPAID))


def create(
    engine: Engine, unit_code: int, order: PaymentOrderCreate, now: float, key: str | None
) -> tuple[Row, bool]:
    """Draft an order, paid from ``payer_account`` or the unit's default account.

    Returns ``(order, created)``; a repeated ``key`` answers the first draft.
    The payer account must be the unit's and open (422 / 409 otherwise).
    """
    payer = order.payer_account or default_account(unit_code)
    values = {
        "unit_code": unit_code,
        "payer_account": payer,
        "amount": order.amount,
        "budget_code": order.budget_code,
        "payee_name": order.payee_name,
        "payee_account": order.payee_account,
        "content": order.content,
        "status": INITIAL.value,
        "created_at": now,
    }
    return insert_once(
        engine,
        payment_orders,
        unit_code,
        key,
        values,
        check=lambda conn: check_account(conn, unit_code, payer, "payer_account"),
    )


def fetch(conn: Connection, unit_code: int, order_id: int) -> Row:
    """The unit's order ``order_id`` on an open connection; NotFound (404) otherwise."""
    parameters = {"order_id": order_id, "unit": unit_code}
    row = conn.execute(_ORDER_OF_UNIT, parameters).mappings().first()
    if row is None:
        raise NotFound(f"payment order {order_id} not found")
    return dict(row)


def get(engine: Engine, unit_code: int, order_id: int) -> Row:
    """The unit's order ``order_id``: one prebuilt read, fast enough for the event loop."""
    with engine.connect() as conn:
        return fetch(conn, unit_code, order_id)


def _move(
    conn: Connection, unit_code: int, order_id: int, action: PaymentOrderAction, **values: Any
) -> bool:
    """Take ``action`` on the order if the table allows it from its current status.

    One ``UPDATE``: the status test and the change are atomic. Returns whether
    the order moved; the other columns in ``values`` change with it.
    """
    transition = LIFE_CYCLE[action]
    statement = (
        update(payment_orders)
        .where(
            payment_orders.c.id == order_id,
            payment_orders.c.unit_code == unit_code,
            payment_orders.c.status.in_(transition.source_values),
        )
        .values(status=transition.target.value, **values)
    )
    return bool(conn.execute(statement).rowcount)


def _refused(order: Row, action: PaymentOrderAction) -> Conflict:
    """The 409 for an order that did not move: it exists (it was just read), so its
    status is one the action is not allowed from, and the table says which are."""
    return Conflict(f"payment order {order['id']} {TransitionNotAllowed(action, order['status'])}")


def sign(engine: Engine, unit_code: int, order_id: int, signature: str, now: float) -> Row:
    """Sign a draft: the order, now signed. 409 if it is past draft, 404 if not the unit's."""
    with engine.begin() as conn:
        moved = _move(
            conn, unit_code, order_id, PaymentOrderAction.SIGN, signature=signature, signed_at=now
        )
        order = fetch(conn, unit_code, order_id)
    if not moved:
        raise _refused(order, PaymentOrderAction.SIGN)
    return order


def submit(
    engine: Engine, unit_code: int, order_id: int, key: str, now: float, accept_after_s: float
) -> tuple[Row, bool]:
    """Submit a signed order under an idempotency key: ``(order, newly submitted)``.

    The same key always answers with the order it first submitted; a key is
    never used for a second order (422 on the header; a unique constraint, not
    just this check, holds it). Expenditure control takes its first step
    ``accept_after_s`` later.
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
            return fetch(conn, unit_code, order_id), False
        moved = _move(
            conn,
            unit_code,
            order_id,
            PaymentOrderAction.SUBMIT,
            submission_key=key,
            submitted_at=now,
            next_step_at=now + accept_after_s,
        )
        order = fetch(conn, unit_code, order_id)
    if not moved:
        if order["submission_key"] == key:  # a concurrent retry with the same key won
            return order, False
        raise _refused(order, PaymentOrderAction.SUBMIT)
    return order, True


def page(
    engine: Engine,
    unit_code: int,
    status: PaymentOrderStatus | None,
    number: int,
    size: int,
) -> tuple[list[Row], int]:
    """Page ``number`` (from 1) of the unit's orders, newest first: ``(rows, total)``."""
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
                .limit(size)
                .offset((number - 1) * size)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows], total


def count_unpaid(conn: Connection, payer_account: str) -> int:
    """Orders paid from ``payer_account`` that are signed but neither paid nor rejected."""
    return conn.execute(
        select(func.count())
        .select_from(payment_orders)
        .where(
            payment_orders.c.payer_account == payer_account,
            payment_orders.c.status.in_(_UNPAID),
        )
    ).scalar_one()

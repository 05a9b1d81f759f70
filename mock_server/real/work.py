"""What the real service's routes do beyond the mock's records: search the catalog
table, sign and verify payment orders, aggregate statements in the database.

Each function takes ``(engine, unit_code, ...)`` like the mock's record functions
(signing and submitting take the trust chain first, bound by the routes), so
:class:`mock_server.api.deps.UnitSession` runs it (in the thread pool, reads and
writes alike: the database is PostgreSQL) and the work is the only time it takes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine, bindparam, func, select

from mock_server.catalog import fold
from mock_server.errors import Conflict
from mock_server.real.pki import SignatureRejected, TrustChain
from mock_server.real.seed import budget_codes
from mock_server.records import payment_orders as orders
from mock_server.records.statements import first_entries, paid_in_range
from mock_server.tables import payment_orders
from peakload.contract.payment_order import PaymentOrderStatus

Row = dict[str, Any]

SIGNED_FIELDS = (
    "id",
    "unit_code",
    "payer_account",
    "amount",
    "budget_code",
    "payee_name",
    "payee_account",
    "content",
    "created_at",
)
"""What a signature covers: the order as drafted (its status moves on; these never do)."""

_SEARCH = (
    select(budget_codes.c.code, budget_codes.c.name, budget_codes.c.category)
    .where(budget_codes.c.folded.like(bindparam("needle")))
    .order_by(budget_codes.c.code)
    .limit(bindparam("limit"))
)


def search_codes(engine: Engine, unit_code: int, query: str | None, limit: int) -> list[Row]:
    """Budget codes whose code, name or category contains ``query`` (no diacritics)."""
    needle = "%" + fold((query or "").strip()).replace("%", r"\%").replace("_", r"\_") + "%"
    with engine.connect() as conn:
        rows = conn.execute(_SEARCH, {"needle": needle, "limit": limit}).mappings().all()
    return [dict(r) for r in rows]


def document(order: Row) -> bytes:
    """The signed document: the order's drafted fields as canonical JSON (sorted keys)."""
    fields = {name: order[name] for name in SIGNED_FIELDS}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(
    chain: TrustChain, engine: Engine, unit_code: int, order_id: int, approval: str, now: float
) -> Row:
    """Sign the unit's draft with its certificate, verify signature and chain, store it.

    The signature is made by the remote-signing service for the unit's certificate:
    the client's ``approval`` (its ``signature`` field) is checked for form only, by
    the route. 404 if not the unit's order, 409 if past draft (the mock's rules: the
    update is the mock's own, atomic on the status).
    """
    order = orders.get(engine, unit_code, order_id)
    if order["status"] != PaymentOrderStatus.DRAFT.value:
        return orders.sign(engine, unit_code, order_id, "", now)  # raises its 409
    content = document(order)
    signature = chain.sign(unit_code, content)
    chain.verify_unit(unit_code, content, signature)
    return orders.sign(engine, unit_code, order_id, base64.b64encode(signature).decode(), now)


def verify_stored(chain: TrustChain, order: Row) -> None:
    """The Treasury's check on receipt: the stored signature over the order as it is
    now, and the chain of the unit's certificate; 409 if either fails."""
    if not order.get("signature"):
        return  # a draft: submission refuses it by its status (409)
    try:
        signature = base64.b64decode(order["signature"], validate=True)
        chain.verify_unit(order["unit_code"], document(order), signature)
    except (SignatureRejected, binascii.Error) as exc:
        raise Conflict(f"payment order {order['id']}: {exc}") from None


def submit(
    chain: TrustChain,
    engine: Engine,
    unit_code: int,
    order_id: int,
    key: str,
    now: float,
    accept_after_s: float,
) -> tuple[Row, bool]:
    """Verify the order's signature and chain, then submit it as the mock does."""
    verify_stored(chain, orders.get(engine, unit_code, order_id))
    return orders.submit(engine, unit_code, order_id, key, now, accept_after_s)


def statement(
    engine: Engine, unit_code: int, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The unit's paid orders in the range: totals per budget code (GROUP BY), their
    sum, and the first orders by time of payment (:func:`first_entries`)."""
    condition = paid_in_range(unit_code, date_from, date_to)
    code = payment_orders.c.budget_code
    with engine.connect() as conn:
        groups = conn.execute(
            select(code, func.count(), func.sum(payment_orders.c.amount))
            .where(condition)
            .group_by(code)
            .order_by(code)
        ).all()
        rows = first_entries(conn, condition)
    by_code = [{"budget_code": c, "count": n, "total_amount": int(s)} for c, n, s in groups]
    return {
        "count": sum(g["count"] for g in by_code),
        "total_amount": sum(g["total_amount"] for g in by_code),
        "by_budget_code": by_code,
        "rows": rows,
    }

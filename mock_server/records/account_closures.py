"""Account closures: a unit closes one of its accounts, for good.

An account can be closed once no payment order still commits it (see
:data:`peakload.contract.payment_order.UNPAID`); after that no order is drafted
on it (:mod:`.accounts`) and a second closure is a 409.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from mock_server.errors import Conflict
from mock_server.models import AccountClosureCreate, AccountClosureStatus
from mock_server.records import payment_orders
from mock_server.records.accounts import check_account
from mock_server.records.idempotent import insert_once
from mock_server.tables import account_closures

Row = dict[str, Any]


def create(
    engine: Engine, unit_code: int, closure: AccountClosureCreate, now: float, key: str | None
) -> tuple[Row, bool]:
    """Close the account: ``(closure, created)``; a repeated ``key`` answers the first.

    Refused with 409 while signed orders on it are unpaid, or if it is closed
    already; with 422 if it is not one of the unit's accounts.
    """
    account = closure.account_number

    def check(conn: Connection) -> None:
        check_account(conn, unit_code, account, "account_number")
        unpaid = payment_orders.count_unpaid(conn, account)
        if unpaid:
            raise Conflict(
                f"account {account} has {unpaid} unpaid payment order(s); "
                "it can be closed once they are paid or rejected"
            )

    values = {
        "unit_code": unit_code,
        "account_number": account,
        "reason": closure.reason,
        "status": AccountClosureStatus.CLOSED.value,
        "created_at": now,
    }
    return insert_once(engine, account_closures, unit_code, key, values, check)

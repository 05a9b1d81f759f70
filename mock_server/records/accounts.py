"""A unit's accounts: the ones it may pay from or close are its own, and open.

A unit's account numbers follow from its code (:func:`peakload.core.units.account_numbers`);
an account stays usable until an account closure record names it.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from mock_server.errors import Conflict, Unprocessable
from mock_server.tables import account_closures
from peakload.core.units import account_numbers


def check_account(conn: Connection, unit_code: int, account: str, field: str) -> None:
    """Refuse ``account`` unless it is one of the unit's and not closed.

    Another unit's (or an unknown) account is a 422 on the body ``field`` that
    named it; a closed one is a 409, since the same request succeeded before
    the closure.
    """
    if account not in account_numbers(unit_code):
        raise Unprocessable(
            f"account {account} is not one of unit {unit_code}'s accounts", ("body", field)
        )
    closed = conn.execute(
        select(account_closures.c.id).where(account_closures.c.account_number == account)
    ).first()
    if closed:
        raise Conflict(f"account {account} is closed")

"""Create a record at most once per Idempotency-Key: the one step every create shares.

A client that lost the answer to a create retries it with the same key. The
server then answers with the record the first attempt made instead of making a
second one, which is what keeps a load test's retries from inflating the record
counts it reconciles against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.exc import IntegrityError

Row = dict[str, Any]


def _earlier(conn: Connection, table: Table, unit_code: int, key: str | None) -> Row | None:
    if key is None:
        return None
    row = (
        conn.execute(select(table).where(table.c.unit_code == unit_code, table.c.create_key == key))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def insert_once(
    engine: Engine,
    table: Table,
    unit_code: int,
    key: str | None,
    values: Row,
    check: Callable[[Connection], None] | None = None,
) -> tuple[Row, bool]:
    """Insert ``values`` into ``table``, or answer the record an earlier ``key`` made.

    Returns ``(record, created)``: ``created`` is False when the key was seen
    before, and the route then marks its answer as a replay. ``check`` runs in
    the same transaction before the insert and raises a domain error to refuse
    it (an account that is closed, an order that is not the unit's). Without a
    key every call inserts. The table's unique (unit, create_key) constraint
    holds the rule even for two retries racing each other: the loser's insert
    fails, and it answers with the winner's record.
    """
    values = {**values, "create_key": key}
    try:
        with engine.begin() as conn:
            earlier = _earlier(conn, table, unit_code, key)
            if earlier is not None:
                return earlier, False
            if check is not None:
                check(conn)
            inserted = conn.execute(insert(table).values(values)).inserted_primary_key
            assert inserted is not None  # an INSERT of one row always has its key
            new_id = inserted[0]
    except IntegrityError:
        with engine.connect() as conn:
            earlier = _earlier(conn, table, unit_code, key)
        if earlier is None:
            raise
        return earlier, False
    return {"id": new_id, **values}, True

"""Dossier hand-over slips: the papers a unit hands the Treasury, listed by attachment.

A dossier may name one of the unit's payment orders (the papers for its
expenditure control). It is received on creation and stays so: the mock keeps
no review of dossiers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from mock_server.errors import NotFound, Unprocessable
from mock_server.models import DossierCreate, DossierStatus
from mock_server.records import payment_orders
from mock_server.records.idempotent import insert_once
from mock_server.tables import dossiers

Row = dict[str, Any]

_DOSSIER_OF_UNIT = select(dossiers).where(
    dossiers.c.id == bindparam("dossier_id"), dossiers.c.unit_code == bindparam("unit")
)


def create(
    engine: Engine, unit_code: int, dossier: DossierCreate, now: float, key: str | None
) -> tuple[Row, bool]:
    """Receive a dossier: ``(dossier, created)``; a repeated ``key`` answers the first.

    A ``payment_order_id`` that is not one of the unit's orders is a 422 on that field.
    """

    def check(conn: Connection) -> None:
        if dossier.payment_order_id is None:
            return
        try:
            payment_orders.fetch(conn, unit_code, dossier.payment_order_id)
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
        "status": DossierStatus.RECEIVED.value,
        "created_at": now,
    }
    return insert_once(engine, dossiers, unit_code, key, values, check)


def get(engine: Engine, unit_code: int, dossier_id: int) -> Row:
    """The unit's dossier ``dossier_id``; NotFound (404) if missing or another unit's."""
    with engine.connect() as conn:
        row = (
            conn.execute(_DOSSIER_OF_UNIT, {"dossier_id": dossier_id, "unit": unit_code})
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"dossier {dossier_id} not found")
    return dict(row)

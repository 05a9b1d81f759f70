"""The route every kind of record has: create one, idempotently by its key.

``POST`` on the resource's collection runs ``create(engine, unit_code, body, now, key)``
as a write (through the tiers, then the database, :class:`~mock_server.api.deps.UnitSession`)
and answers 201 with the record. A retry with the same ``Idempotency-Key`` answers
the record it first created, marked ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from mock_server.api.deps import CreateKey, Unit, mark_replay
from mock_server.models import ERROR_RESPONSES

Row = dict[str, Any]


def add_create_route(
    router: APIRouter,
    name: str,
    body_model: type[BaseModel],
    public_model: type[BaseModel],
    create: Callable[..., tuple[Row, bool]],
    answer: Callable[[Row], BaseModel],
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> None:
    """Add ``POST ""`` named ``name`` to ``router``: the body is a ``body_model``,
    ``create`` makes the record and ``answer`` turns its row into the ``public_model``
    the route answers; ``responses`` documents more than the error statuses."""

    async def create_record(
        body: BaseModel, unit: Unit, response: Response, key: CreateKey = None
    ) -> BaseModel:
        row, created = await unit.write(name, create, body, time.time(), key)
        mark_replay(response, created)
        return answer(row)

    # FastAPI reads what to validate the body as from the handler's signature.
    create_record.__annotations__["body"] = body_model
    router.post(
        "",
        name=name,
        status_code=status.HTTP_201_CREATED,
        response_model=public_model,
        responses=responses or ERROR_RESPONSES,
    )(create_record)

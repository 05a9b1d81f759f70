"""Account closures: close one of the unit's accounts once nothing on it is unpaid."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response, status

from mock_server.api import public
from mock_server.api.deps import CreateKey, Unit, mark_replay
from mock_server.models import ERROR_RESPONSES, AccountClosureCreate, AccountClosurePublic
from mock_server.records import account_closures

router = APIRouter(prefix="/account-closures", tags=["accounts"])


@router.post(
    "",
    name="close_account",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountClosurePublic,
    responses=ERROR_RESPONSES,
)
async def close_account(
    body: AccountClosureCreate, unit: Unit, response: Response, key: CreateKey = None
) -> AccountClosurePublic:
    row, created = await unit.write(
        "close_account", account_closures.create, body, time.time(), key
    )
    mark_replay(response, created)
    return public.account_closure(row)

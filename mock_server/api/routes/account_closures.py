"""Account closures: close one of the unit's accounts once nothing on it is unpaid."""

from __future__ import annotations

from fastapi import APIRouter

from mock_server.api import public
from mock_server.api.create_route import add_create_route
from mock_server.models import AccountClosureCreate, AccountClosurePublic
from mock_server.records import account_closures

router = APIRouter(prefix="/account-closures", tags=["accounts"])
add_create_route(
    router,
    "close_account",
    AccountClosureCreate,
    AccountClosurePublic,
    account_closures.create,
    public.account_closure,
)

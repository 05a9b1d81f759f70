"""Sign-in: a budget unit exchanges its code and password for a bearer token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from mock_server.access_log import UNIT_SCOPE_KEY
from mock_server.api.deps import get_capacity
from mock_server.capacity import Capacity
from mock_server.middleware import through_tiers
from mock_server.models import Problem, Token, TokenRequest
from mock_server.security import issue_token
from peakload.core.units import FIRST_UNIT, unit_password

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    name="login",
    response_model=Token,
    responses={401: {"model": Problem}, 503: {"model": Problem}},
)
async def login(
    body: TokenRequest, request: Request, capacity: Annotated[Capacity, Depends(get_capacity)]
) -> Token:
    await through_tiers(capacity, "login")
    settings = request.app.state.settings
    code = int(body.unit_code)
    known = FIRST_UNIT <= code < FIRST_UNIT + settings.units
    expected = unit_password(settings.unit_secret, code)
    if not (known and hmac.compare_digest(expected, body.password)):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown unit code or wrong password")
    request.scope[UNIT_SCOPE_KEY] = code  # the access log's remote user
    token = issue_token(request.app.state.token_secret, code, settings.token_ttl_s)
    return Token(access_token=token, expires_in=int(settings.token_ttl_s))

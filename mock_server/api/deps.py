"""Dependencies: settings, the signed-in unit, the admin, and running a transaction.

A route handler calls ``unit.read(...)`` or ``unit.write(transaction, function, ...)``: the
request first passes through the scenario's tiers (capacity emulation, which
may refuse it with 503), then the database work runs and commits before the
handler answers. Dependencies are ``async def`` on purpose: FastAPI runs a
plain ``def`` dependency in the thread pool, and on a busy server each such
hop costs more than the work it wraps.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from mock_server.access_log import UNIT_SCOPE_KEY
from mock_server.capacity import Capacity
from mock_server.middleware import through_tiers
from mock_server.security import InvalidToken, verify_token
from mock_server.settings import Settings

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token gives the token")


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_capacity(request: Request) -> Capacity:
    return request.app.state.capacity


@dataclass(frozen=True)
class UnitSession:
    unit_code: int
    engine: Engine
    capacity: Capacity

    async def read(self, transaction: str, action: Callable[..., T], *args: Any) -> T:
        """A read of SQLite in the process runs on the event loop: ~50 us is cheaper
        than a thread hop. A read of a database server (PostgreSQL) runs in the
        thread pool, as a write does: on the loop, its round trips to the server
        would stop every other request the process is serving until it returned."""
        await through_tiers(self.capacity, transaction)
        if self.engine.dialect.name == "sqlite":
            return action(self.engine, self.unit_code, *args)
        return await run_in_threadpool(action, self.engine, self.unit_code, *args)

    async def write(self, transaction: str, action: Callable[..., T], *args: Any) -> T:
        """A write runs in the thread pool: its commit waits on fsync (~0.8 ms with
        synchronous=FULL) with the GIL released, while the loop serves others."""
        await through_tiers(self.capacity, transaction)
        return await run_in_threadpool(action, self.engine, self.unit_code, *args)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_unit(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> UnitSession:
    if credentials is None:
        raise _unauthorized("sign in first: POST /api/v1/auth/token")
    try:
        unit_code = verify_token(request.app.state.token_secret, credentials.credentials)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from None
    state = request.app.state
    request.scope[UNIT_SCOPE_KEY] = unit_code  # the access log's remote user
    return UnitSession(unit_code, state.engine, state.capacity)


async def require_admin(
    settings: Annotated[Settings, Depends(get_app_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    if credentials is None:
        raise _unauthorized("admin token required")
    if not hmac.compare_digest(credentials.credentials.encode(), settings.admin_token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not the admin token")


Unit = Annotated[UnitSession, Depends(current_unit)]
Admin = Depends(require_admin)


KEY_PATTERN = r"^[A-Za-z0-9_\-:.]+$"
CreateKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=KEY_PATTERN,
        description="optional: a retry with the same key answers with the record it "
        "first created instead of creating another",
    ),
]


def mark_replay(response: Response, created: bool) -> None:
    """Tell the client its Idempotency-Key answered with an earlier result."""
    if not created:
        response.headers["Idempotent-Replayed"] = "true"

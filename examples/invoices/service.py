"""An invoicing service that is not peakload's: a foreign target for ``peakload loadtest``.

A few dozen lines of Starlette, with its own resource model and its own
sign-in, to show (and test) that a request map drives any HTTP service:

- ``POST /v2/login`` (JSON ``username``, ``password``) -> ``{"token": ...}``;
  ``POST /oauth/token`` (OAuth2 client credentials, HTTP Basic) ->
  ``{"access_token", "token_type", "expires_in"}``; or the static API token.
  Credentials come from the environment: ``INVOICES_USER``,
  ``INVOICES_PASSWORD``, ``INVOICES_CLIENT_ID``, ``INVOICES_CLIENT_SECRET``,
  ``INVOICES_API_TOKEN``; tokens live ``INVOICES_TOKEN_TTL`` seconds (300).
- ``POST /v2/invoices`` -> 201 with the invoice's ``uuid`` (and a Location),
  ``GET /v2/invoices/{uuid}``, ``POST /v2/invoices/{uuid}/approve`` (409 once
  approved), ``GET /v2/invoices?status=``, ``GET /v2/stats/invoices`` (counts).

Run: ``python examples/invoices/service.py --port 8100``.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import time
import urllib.parse
import uuid

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TTL_S = float(os.environ.get("INVOICES_TOKEN_TTL", "300"))
tokens: dict[str, tuple[str, float]] = {}  # token -> (principal, expires at)
invoices: dict[str, dict] = {}


def issue(principal: str) -> str:
    token = secrets.token_urlsafe(24)
    tokens[token] = (principal, time.monotonic() + TTL_S)
    return token


def principal(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    if token and token == os.environ.get("INVOICES_API_TOKEN"):
        return "api"
    who, expires = tokens.get(token, (None, 0.0))
    return who if time.monotonic() < expires else None


def refused() -> JSONResponse:
    return JSONResponse({"error": "invalid_token"}, 401, {"WWW-Authenticate": "Bearer"})


async def login(request: Request) -> JSONResponse:
    body = await request.json()
    if (body.get("username"), body.get("password")) != (
        os.environ.get("INVOICES_USER"),
        os.environ.get("INVOICES_PASSWORD"),
    ):
        return JSONResponse({"error": "bad credentials"}, 401)
    return JSONResponse({"token": issue(body["username"])})


async def oauth_token(request: Request) -> JSONResponse:
    form = dict(urllib.parse.parse_qsl((await request.body()).decode()))  # no multipart needed
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    client = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
    expected = f"{os.environ.get('INVOICES_CLIENT_ID')}:{os.environ.get('INVOICES_CLIENT_SECRET')}"
    if form.get("grant_type") != "client_credentials" or client != expected:
        return JSONResponse({"error": "invalid_client"}, 401)
    token = issue(client.partition(":")[0])
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": TTL_S})


async def create_invoice(request: Request) -> JSONResponse:
    if (who := principal(request)) is None:
        return refused()
    body = await request.json()
    if not isinstance(body.get("amount"), int | float) or not body.get("customer"):
        return JSONResponse({"error": "amount and customer are required"}, 422)
    key = str(uuid.uuid4())
    invoices[key] = {"uuid": key, "owner": who, "status": "open", **body}
    return JSONResponse(invoices[key], 201, {"Location": f"/v2/invoices/{key}"})


async def invoice(request: Request) -> JSONResponse:
    if (who := principal(request)) is None:
        return refused()
    found = invoices.get(request.path_params["key"])
    if found is None or found["owner"] != who:
        return JSONResponse({"error": "no such invoice"}, 404)
    if request.method == "POST":  # /approve
        if found["status"] != "open":
            return JSONResponse({"error": f"invoice is {found['status']}"}, 409)
        found["status"] = "approved"
    return JSONResponse(found)


async def list_invoices(request: Request) -> JSONResponse:
    if (who := principal(request)) is None:
        return refused()
    status = request.query_params.get("status")
    mine = [i for i in invoices.values() if i["owner"] == who and status in (None, i["status"])]
    return JSONResponse({"items": mine[-20:], "total": len(mine)})


async def stats(request: Request) -> JSONResponse:
    if principal(request) is None:
        return refused()
    approved = sum(i["status"] == "approved" for i in invoices.values())
    return JSONResponse({"invoices": len(invoices), "approved": approved})


app = Starlette(
    routes=[
        Route("/v2/login", login, methods=["POST"]),
        Route("/oauth/token", oauth_token, methods=["POST"]),
        Route("/v2/invoices", create_invoice, methods=["POST"]),
        Route("/v2/invoices", list_invoices, methods=["GET"]),
        Route("/v2/invoices/{key}", invoice, methods=["GET"]),
        Route("/v2/invoices/{key}/approve", invoice, methods=["POST"]),
        Route("/v2/stats/invoices", stats, methods=["GET"]),
    ]
)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")

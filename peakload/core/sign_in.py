"""How each user of a request map signs in: one of four kinds (:class:`SignInKind`),
told apart by the ``kind`` key of ``[sign_in]`` (:data:`SignIn`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator

from peakload.core.map_request import Capture, Method, Request, Strict, checked_template


class SignInKind(StrEnum):
    NONE = "none"
    LOGIN = "login"
    BEARER = "bearer"
    OAUTH2 = "oauth2"


class _Token(Strict):
    header: str = "Authorization"
    """The request header each later request carries the token in."""
    scheme: str = "Bearer"
    """Written before the token (``Bearer <token>``); "" for the token alone."""


class NoSignIn(Strict):
    """The service needs no sign-in: users start at once."""

    kind: Literal["none"] = "none"


class LoginSignIn(Request, _Token):
    """A sign-in request; its answer's ``token`` (a capture) goes into ``header``.
    Without ``token`` the session cookie the answer sets is what signs the user in."""

    kind: Literal["login"]
    method: Method = Method.POST
    token: Capture | None = None


class BearerSignIn(_Token):
    """A token given to the run (``{env:VAR}`` or ``{file:PATH}``), sent in ``header``;
    ``check`` is a request each user makes with it first (recorded as the sign-in)."""

    kind: Literal["bearer"]
    token: str
    check: Request | None = None

    @field_validator("token")
    @classmethod
    def _secret(cls, value: str) -> str:
        return checked_template(value)


class OAuth2SignIn(_Token):
    """OAuth2 client credentials: each user asks ``token_url`` for an access token
    (``grant_type=client_credentials``) and asks again ``refresh_margin_s`` before it
    expires (``expires_in``)."""

    kind: Literal["oauth2"]
    token_url: str
    """A path on --host, or a full URL of another server."""
    client_id: str
    client_secret: str
    scope: str | None = None
    refresh_margin_s: float = Field(default=30.0, ge=0)

    @field_validator("client_id", "client_secret", "token_url")
    @classmethod
    def _secret(cls, value: str) -> str:
        return checked_template(value)


SignIn = Annotated[
    NoSignIn | LoginSignIn | BearerSignIn | OAuth2SignIn, Field(discriminator="kind")
]

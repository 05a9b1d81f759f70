"""Access tokens: stateless, HMAC-signed, with an expiry.

A token is ``<unit code>.<expiry epoch>.<signature>``; checking one costs one
HMAC and no database read, which matters when 16,000 users each send a request
every few minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time


class InvalidToken(Exception):
    pass


def _sign(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue_token(secret: bytes, unit_code: int, ttl_s: float, now: float | None = None) -> str:
    # Rounded up to the whole second the token carries: it lives at least ttl_s (a
    # truncated expiry could end a 1 s token at once).
    expires = math.ceil((now if now is not None else time.time()) + ttl_s)
    payload = f"{unit_code}.{expires}"
    return f"{payload}.{_sign(secret, payload)}"


def verify_token(secret: bytes, token: str, now: float | None = None) -> int:
    """The unit code a valid token belongs to; InvalidToken otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise InvalidToken("malformed token")
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, payload), parts[2]):
        raise InvalidToken("bad signature")
    if int(parts[1]) <= (now if now is not None else time.time()):
        raise InvalidToken("token expired")
    return int(parts[0])


def token_secret(unit_secret: str, configured: str | None) -> bytes:
    return (configured or f"token:{unit_secret}").encode()

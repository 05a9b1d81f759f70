"""Budget-using units: 7-digit codes, derived passwords, their accounts at the Treasury.

Part of the API contract (docs/mock-service.md): the mock
server and the load generator both derive a unit's password and account
numbers from here.

A unit's password is the first 16 hex digits of HMAC-SHA256(unit secret, unit
code), so a load generator that knows the secret can sign in as any unit and
no password list is ever shared or stored.
"""

from __future__ import annotations

import hashlib
import hmac

DEV_UNIT_SECRET = "peakload-dev-unit-secret"
"""PEAKLOAD_UNIT_SECRET's development default; a server started with it warns."""

FIRST_UNIT = 1_000_001
"""The lowest unit code; codes run consecutively from here."""

ALL_UNITS = 92_456
"""Budget-using units in Vietnam on 2020-04-30."""

# Each unit holds these accounts at the Treasury, numbered "<kind>.<unit code>".
ACCOUNT_KINDS = {
    "8113": "regular expenditure estimate",  # payment orders draw on this by default
    "8123": "investment expenditure estimate",
    "3712": "deposit account",
}
DEFAULT_ACCOUNT_KIND = "8113"
"""The account a payment order draws on unless it names another."""


def unit_codes(count: int = ALL_UNITS) -> range:
    """The first ``count`` unit codes (7-digit ints), in order."""
    return range(FIRST_UNIT, FIRST_UNIT + count)


def unit_password(secret: str, unit_code: str | int) -> str:
    """The unit's password: 16 hex digits of HMAC-SHA256(``secret``, unit code)."""
    digest = hmac.new(secret.encode(), str(unit_code).encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def account_numbers(unit_code: int) -> list[str]:
    """Every account the unit holds, ``"<kind>.<unit code>"``, in ACCOUNT_KINDS order."""
    return [f"{kind}.{unit_code}" for kind in ACCOUNT_KINDS]


def default_account(unit_code: int) -> str:
    """The account the unit's payment orders draw on by default."""
    return f"{DEFAULT_ACCOUNT_KIND}.{unit_code}"

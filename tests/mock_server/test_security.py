"""Access tokens: a token lives at least its TTL, and no longer than a second more."""

import pytest

from mock_server.security import InvalidToken, issue_token, verify_token

SECRET = b"token:test"


@pytest.mark.parametrize("issued", [1000.0, 1000.25, 1000.999])
def test_a_token_lives_at_least_its_ttl(issued):
    token = issue_token(SECRET, 1000001, ttl_s=1.0, now=issued)
    assert verify_token(SECRET, token, now=issued + 0.999) == 1000001
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(SECRET, token, now=issued + 2.0)


def test_a_forged_expiry_is_refused():
    unit, expires, signature = issue_token(SECRET, 1000001, ttl_s=1.0, now=1000.0).split(".")
    with pytest.raises(InvalidToken, match="bad signature"):
        verify_token(SECRET, f"{unit}.{int(expires) + 3600}.{signature}", now=1000.0)

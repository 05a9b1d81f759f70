"""Domain errors, each mapped to one HTTP status by the app's exception handlers."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Missing, or another unit's: both answer 404 so ids reveal nothing."""

    status_code = 404


class Conflict(DomainError):
    """The record's state forbids the action (sign a paid order, close a busy account)."""

    status_code = 409


class Unprocessable(DomainError):
    """Well-formed, but refers to something that cannot be used (another unit's account).

    Answered like a validation error, field by field: ``loc`` names the field.
    """

    status_code = 422

    def __init__(self, detail: str, loc: tuple[str, ...]):
        super().__init__(detail)
        self.loc = loc

    def body(self) -> list[dict[str, object]]:
        return [{"type": "value_error", "loc": list(self.loc), "msg": self.detail}]

"""Server settings from ``PEAKLOAD_...`` environment variables, read once through a
cached dependency (``get_settings``), never at import time."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.core.units import DEV_UNIT_SECRET


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEAKLOAD_", extra="ignore")

    unit_secret: str = Field(DEV_UNIT_SECRET, min_length=8)
    admin_token: str = Field(DEV_ADMIN_TOKEN, min_length=8)
    token_secret: str | None = None  # signs access tokens; default derived from unit_secret
    token_ttl_s: float = Field(8 * 3600, gt=0)
    db: str = "sqlite:///results/mock-server.db"
    sqlite_synchronous: str = Field("FULL", pattern="^(FULL|NORMAL)$")
    scenario: str | None = None  # scenario file whose capacity is emulated
    # The run's seed: the service-time streams derive from the scenario's seed and this
    # (mock_server.capacity.service_seed). A load test passes its own (--seed, default the
    # scenario's); unset, as for a plain `peakload serve`, it is the scenario's seed.
    seed: int | None = Field(None, ge=0)
    units: int = Field(92_456, ge=1, le=92_456)
    max_body_bytes: int = Field(256 * 1024, ge=1024)
    control_interval_s: float = Field(0.5, gt=0)  # how often expenditure control runs
    header_timeout_s: float = Field(10.0, gt=0)  # a request's headers must arrive within this
    body_timeout_s: float = Field(30.0, gt=0)  # and its body within this (408 past it)
    # The load test's scenario clock, for [[failures]] drills (mock_server.drills):
    # wall epoch clock_origin is scenario clock clock_start_s, x clock_compress.
    # No clock_start_s: the local time of day.
    clock_start_s: float | None = Field(None, ge=0, le=86_400)
    clock_origin: float | None = None
    clock_compress: float = Field(1.0, gt=0)
    access_log: str | None = None  # write one line per request here (off by default)
    access_log_format: str = Field("combined", pattern="^(combined|jsonl)$")

    def development_defaults(self) -> list[str]:
        """The secrets still at their published development values (warned about at start)."""
        names = []
        if self.unit_secret == DEV_UNIT_SECRET:
            names.append("PEAKLOAD_UNIT_SECRET")
        if self.admin_token == DEV_ADMIN_TOKEN:
            names.append("PEAKLOAD_ADMIN_TOKEN")
        return names


class SettingsError(ValueError):
    """Settings the server cannot start with: one line per problem, naming the variable."""

    def __init__(self, lines: list[str]):
        super().__init__("; ".join(lines))
        self.lines = lines


def load_settings(**overrides: Any) -> Settings:
    """Settings from ``PEAKLOAD_*`` variables and ``overrides`` (flags), validated.

    A bad value raises :class:`SettingsError` whose lines name the variable
    (``PEAKLOAD_UNIT_SECRET: String should have at least 8 characters``),
    never a pydantic traceback.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False):
            name = "PEAKLOAD_" + "_".join(str(part) for part in error["loc"]).upper()
            lines.append(f"{name}: {error['msg']} (got {error.get('input')!r})")
        raise SettingsError(lines) from None


@lru_cache
def get_settings() -> Settings:
    return Settings()

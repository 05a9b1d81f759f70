"""Service-time and think-time distributions.

Each distribution is a small pydantic model tagged by ``dist`` so a scenario can
write ``{ dist = "lognormal", mean = 0.06, cv = 1.5 }``. Every one offers
``sample(rng)`` for a single draw, ``sample_n(rng, n)`` for a vectorised block
(the simulator draws in blocks: one numpy call per thousands of requests), and
the analytic ``mean`` and ``variance`` that the queueing formulas need.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(self.sample_n(rng, 1)[0])

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    @property
    def cv(self) -> float:
        """Coefficient of variation (standard deviation over mean)."""
        return math.sqrt(self.variance) / self.mean if self.mean > 0 else 0.0

    @property
    def second_moment(self) -> float:
        return self.variance + self.mean**2

    def label(self) -> str:
        """A short human-readable form, e.g. ``exponential(mean=0.12)``."""
        fields = ", ".join(
            f"{k}={v}" for k, v in self.model_dump(exclude={"dist"}, by_alias=True).items()
        )
        return f"{self.dist}({fields})"  # type: ignore[attr-defined]


class Exponential(_Distribution):
    dist: Literal["exponential"] = "exponential"
    mean_: float = Field(alias="mean", gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2


class Deterministic(_Distribution):
    dist: Literal["deterministic"] = "deterministic"
    value: float = Field(ge=0)

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0


class _MeanAndCv(_Distribution):
    """A distribution given by its own mean and coefficient of variation, as planners
    quote service times ("60 ms on average, cv 1.5")."""

    mean_: float = Field(alias="mean", gt=0)
    cv_: float = Field(alias="cv", gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return (self.cv_ * self.mean_) ** 2


class LogNormal(_MeanAndCv):
    dist: Literal["lognormal"] = "lognormal"

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv_**2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n)


class Gamma(_MeanAndCv):
    dist: Literal["gamma"] = "gamma"

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = 1.0 / self.cv_**2
        return rng.gamma(shape, self.mean_ / shape, n)


class Uniform(_Distribution):
    dist: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    high: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12


class Empirical(_Distribution):
    """Resamples measured values with equal probability (for example from a load test)."""

    dist: Literal["empirical"] = "empirical"
    values: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), n)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:
        return float(np.var(self.values))


Distribution = Annotated[
    Exponential | Deterministic | LogNormal | Gamma | Uniform | Empirical,
    Field(discriminator="dist"),
]

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
    """What every distribution offers; values are seconds unless said otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(self.sample_n(rng, 1)[0])

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws from ``rng``, as a float array."""
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """The expected value."""
        raise NotImplementedError

    @property
    def variance(self) -> float:
        """The variance (square of the standard deviation)."""
        raise NotImplementedError

    @property
    def cv(self) -> float:
        """Coefficient of variation (standard deviation over mean)."""
        return math.sqrt(self.variance) / self.mean if self.mean > 0 else 0.0

    @property
    def second_moment(self) -> float:
        """E[X^2] = variance + mean^2, as the M/G/c formulas use it."""
        return self.variance + self.mean**2

    def label(self) -> str:
        """A short human-readable form, e.g. ``exponential(mean=0.12)``."""
        fields = ", ".join(
            f"{k}={v}" for k, v in self.model_dump(exclude={"dist"}, by_alias=True).items()
        )
        return f"{self.dist}({fields})"  # type: ignore[attr-defined]


class Exponential(_Distribution):
    """Memoryless: cv 1. The classic service time of queueing theory (M/M/c).

    ``{ dist = "exponential", mean = 0.06 }``
    """

    dist: Literal["exponential"] = "exponential"
    mean_: float = Field(alias="mean", gt=0)
    """The mean, written ``mean`` in the file."""

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
    """Always the same ``value``: cv 0. ``{ dist = "deterministic", value = 0.1 }``"""

    dist: Literal["deterministic"] = "deterministic"
    value: float = Field(ge=0)
    """The one value every draw returns."""

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
    """The mean, written ``mean`` in the file."""
    cv_: float = Field(alias="cv", gt=0)
    """Standard deviation over mean, written ``cv`` in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return (self.cv_ * self.mean_) ** 2


class LogNormal(_MeanAndCv):
    """Right-skewed with a long tail, as measured response and think times are.

    ``{ dist = "lognormal", mean = 0.06, cv = 1.5 }``: the underlying normal's
    parameters are derived from the mean and cv.
    """

    dist: Literal["lognormal"] = "lognormal"

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv_**2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n)


class Gamma(_MeanAndCv):
    """Skewed, lighter-tailed than the lognormal; cv 1 is the exponential.

    ``{ dist = "gamma", mean = 0.06, cv = 0.5 }``
    """

    dist: Literal["gamma"] = "gamma"

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = 1.0 / self.cv_**2
        return rng.gamma(shape, self.mean_ / shape, n)


class Uniform(_Distribution):
    """Every value between ``low`` and ``high`` equally likely.

    ``{ dist = "uniform", low = 1.0, high = 3.0 }``
    """

    dist: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    """The smallest value."""
    high: float = Field(gt=0)
    """The largest value (greater than ``low``)."""

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
    """The measured values to draw from."""

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
"""Any one of the distributions, chosen by its ``dist`` key."""

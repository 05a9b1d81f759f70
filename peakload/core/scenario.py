"""The scenario file: one TOML document describing workload, system and SLO.

The keys are the user-facing contract of DESIGN.md. Every model forbids
unknown keys, so a typo is an error rather than a silently ignored setting.
Derived views (profiles in seconds, flows, tier routes) live here too, so the
simulator, the mock server and the load test all read them the same way.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from peakload.core.clock import parse_clock
from peakload.core.distributions import Distribution
from peakload.core.workload import Workload

LOGIN = "login"

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_clock(value: str) -> str:
    parse_clock(value)
    return value


class ScenarioInfo(_Strict):
    name: Name
    description: str = ""
    seed: int = Field(default=1, ge=0)
    start: str = "00:00"
    end: str = "24:00"
    window: tuple[str, str] | None = None

    _clock = field_validator("start", "end")(_check_clock)

    @field_validator("window")
    @classmethod
    def _window_clocks(cls, value: tuple[str, str] | None) -> tuple[str, str] | None:
        if value is not None:
            for clock in value:
                _check_clock(clock)
            if parse_clock(value[1]) <= parse_clock(value[0]):
                raise ValueError(f"window ends ({value[1]}) before it starts ({value[0]})")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ScenarioInfo:
        if parse_clock(self.end) <= parse_clock(self.start):
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if self.window is not None:
            lo, hi = (parse_clock(c) for c in self.window)
            if lo < parse_clock(self.start) or hi > parse_clock(self.end):
                raise ValueError(
                    f"window {self.window[0]}-{self.window[1]} lies outside the run "
                    f"{self.start}-{self.end}"
                )
        return self


class Transaction(_Strict):
    name: Name
    weight: float | None = Field(default=None, gt=0)
    demand: dict[Name, Distribution] = Field(default_factory=dict)


class Flow(_Strict):
    name: Name
    weight: float = Field(gt=0)
    steps: list[Name] = Field(min_length=1)


class Tier(_Strict):
    name: Name
    instances: int = Field(ge=1, le=100_000)
    workers: int = Field(ge=1, le=100_000)
    queue_limit: int | None = Field(default=None, ge=0)
    cost: float = Field(default=1.0, ge=0)

    @property
    def servers(self) -> int:
        """c = instances x workers: requests the tier serves at once."""
        return self.instances * self.workers


class Slo(_Strict):
    p95_s: float | None = Field(default=None, gt=0)
    p99_s: float | None = Field(default=None, gt=0)
    mean_s: float | None = Field(default=None, gt=0)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    max_utilization: float | None = Field(default=None, gt=0, le=1)


class Service(_Strict):
    """How the emulated service behaves beyond capacity: the Treasury's own processing."""

    accept_after_s: float = Field(default=5.0, ge=0)  # expenditure control of a submission
    pay_after_s: float = Field(default=30.0, ge=0)  # from acceptance to payment
    reject_rate: float = Field(default=0.02, ge=0, le=1)  # share of submissions rejected


class Scenario(_Strict):
    scenario: ScenarioInfo
    workload: Workload
    transactions: list[Transaction] = Field(min_length=1)
    flows: list[Flow] = Field(default_factory=list)
    tiers: list[Tier] = Field(min_length=1)
    slo: Slo = Field(default_factory=Slo)
    service: Service = Field(default_factory=Service)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        _unique("tiers", [t.name for t in self.tiers])
        _unique("transactions", [t.name for t in self.transactions])
        _unique("flows", [f.name for f in self.flows])
        tier_names = [t.name for t in self.tiers]
        for i, txn in enumerate(self.transactions):
            for tier in txn.demand:
                if tier not in tier_names:
                    raise ValueError(
                        f"transactions[{i}].demand.{tier}: unknown tier '{tier}' "
                        f"(tiers are: {', '.join(tier_names)})"
                    )
            if txn.name == LOGIN and txn.weight is not None:
                raise ValueError(
                    f"transactions[{i}].weight: '{LOGIN}' runs once when a user starts; "
                    "it takes no weight"
                )
            if self.flows and txn.weight is not None:
                raise ValueError(
                    f"transactions[{i}].weight: with [[flows]] given, flows carry the weights; "
                    "remove the weight from the transaction"
                )
        names = [t.name for t in self.transactions]
        for i, flow in enumerate(self.flows):
            for j, step in enumerate(flow.steps):
                if step not in names:
                    raise ValueError(
                        f"flows[{i}].steps[{j}]: unknown transaction '{step}' "
                        f"(transactions are: {', '.join(names)})"
                    )
        if not self.flow_list:
            raise ValueError("no transaction to run: every transaction is 'login'")
        return self

    # --- derived views -------------------------------------------------------

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def start_s(self) -> float:
        return parse_clock(self.scenario.start)

    @property
    def end_s(self) -> float:
        return parse_clock(self.scenario.end)

    @property
    def window_s(self) -> tuple[float, float] | None:
        window = self.scenario.window
        return None if window is None else (parse_clock(window[0]), parse_clock(window[1]))

    @cached_property
    def flow_list(self) -> list[Flow]:
        """The flows users pick from; without [[flows]] each transaction is its own flow."""
        if self.flows:
            return list(self.flows)
        return [
            Flow(name=t.name, weight=t.weight if t.weight is not None else 1.0, steps=[t.name])
            for t in self.transactions
            if t.name != LOGIN
        ]

    @property
    def login(self) -> Transaction | None:
        return next((t for t in self.transactions if t.name == LOGIN), None)

    def transaction(self, name: str) -> Transaction:
        return next(t for t in self.transactions if t.name == name)

    def tier(self, name: str) -> Tier:
        return next(t for t in self.tiers if t.name == name)

    def route(self, transaction: Transaction) -> list[str]:
        """The tiers a transaction visits, in the order [[tiers]] lists them."""
        return [t.name for t in self.tiers if t.name in transaction.demand]

    def step_shares(self) -> dict[str, float]:
        """Each transaction's share of requests after login, from flow weights x steps."""
        counts: dict[str, float] = {}
        for flow in self.flow_list:
            for step in flow.steps:
                counts[step] = counts.get(step, 0.0) + flow.weight
        total = sum(counts.values())
        return {name: count / total for name, count in counts.items()}

    def mean_steps_per_flow(self) -> float:
        total = sum(f.weight for f in self.flow_list)
        return sum(f.weight * len(f.steps) for f in self.flow_list) / total

    def with_tiers(self, tiers: list[Tier]) -> Scenario:
        """A copy with other tier sizes (for sizing and what-if runs)."""
        return self.model_copy(update={"tiers": tiers})


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{section}[{i}].name: '{name}' is used twice")
        seen.add(name)

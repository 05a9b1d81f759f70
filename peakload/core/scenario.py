"""The scenario file: one TOML document describing workload, system and SLO.

A scenario says who loads the system (``[workload]``: users or arrivals over
the day, see :mod:`peakload.core.workload`), what they do (``[[flows]]`` of
``[[transactions]]``, each transaction a service demand at the tiers it
visits), what serves them (``[[tiers]]`` of identical servers), and what
counts as good enough (``[slo]``). docs/scenario.md shows every
key with an example.

Every model forbids unknown keys, so a typo is an error rather than a
silently ignored setting; :mod:`peakload.core.scenario_file` turns the errors
into one line each. Derived views (clock times in seconds, flows, tier
routes) live here too, so the simulator, the mock server and the load test
all read them the same way.
"""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, field_validator, model_validator

from peakload.core.clock import parse_clock
from peakload.core.distributions import Distribution
from peakload.core.failure import Failure, check_failures
from peakload.core.fields import Name, Strict, check_clock
from peakload.core.slo import Slo
from peakload.core.tier import Tier, TierKind
from peakload.core.workload import Workload

__all__ = [
    "LOGIN",
    "Failure",
    "Flow",
    "Name",
    "Scenario",
    "ScenarioInfo",
    "Service",
    "Slo",
    "Tier",
    "TierKind",
    "Transaction",
]

LOGIN = "login"
"""The transaction every user runs once when it starts: the sign-in."""


class ScenarioInfo(Strict):
    """The ``[scenario]`` table: the run's name, seed and stretch of the day."""

    name: Name
    """Names the run directories (``results/<time>-simulation-<name>``)."""

    description: str = ""
    """Free text for people reading the file."""

    seed: int = Field(default=1, ge=0)
    """Base seed of every random stream: the same seed gives the same run."""

    start: str = "00:00"
    """Clock time (``HH:MM``) at which the simulated day starts."""

    end: str = "24:00"
    """Clock time at which it ends."""

    window: tuple[str, str] | None = None
    """``[from, to]``: where the summary's metrics are taken; None for the whole
    run (with warm-up removal for a steady workload)."""

    requests: str | None = None
    """What a load test sends for each transaction: a request map (``.toml``, see
    :mod:`peakload.core.request_map`) or a Python tasks module (``.py``), relative
    to the scenario file; None: our mock's API."""

    _clock = field_validator("start", "end")(check_clock)

    @field_validator("window")
    @classmethod
    def _window_clocks(cls, value: tuple[str, str] | None) -> tuple[str, str] | None:
        if value is not None:
            for clock in value:
                check_clock(clock)
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


class Transaction(Strict):
    """One kind of request, e.g. ``sign_payment``: what it costs each tier it visits."""

    name: Name
    """The API operation it stands for (``peakload.contract.api.TRANSACTIONS``)."""

    weight: float | None = Field(default=None, gt=0)
    """Without ``[[flows]]``: how often users pick it, relative to the others
    (default 1). With flows the flows carry the weights, and this stays unset."""

    demand: dict[Name, Distribution] = Field(default_factory=dict)
    """Service time (s) at each tier it visits: tier name -> distribution."""

    deferred: list[DeferredWork] = Field(default_factory=list)
    """Work each served request leaves for later at a tier (:class:`DeferredWork`);
    optional."""


class DeferredWork(Strict):
    """Work a transaction leaves for later: a demand that joins a tier ``after_s``
    seconds after the transaction's request has been served, with nobody waiting
    for it.

    A submitted payment order is answered at once, and the Treasury's
    expenditure control accepts it a few seconds later and pays it half a
    minute after that, in the same server's process. That work takes the
    tier's servers (or its cores' time) like any request's and slows the
    requests it meets, but no response holds it: it belongs in the tier's
    utilization, not in the submission's response. Charged to the submission
    instead, the model would put it on the submission's path, where queueing
    multiplies it.

    >>> work = DeferredWork(tier="app", after_s=5.0, demand={"dist": "exponential", "mean": 0.0005})
    >>> work.tier, work.after_s, work.demand.mean
    ('app', 5.0, 0.0005)
    """

    tier: Name
    """The tier the work joins (a name from ``[[tiers]]``, not a delay tier)."""

    after_s: float = Field(ge=0)
    """Seconds after the request's last tier served it."""

    demand: Distribution
    """Service time (s) of the work at the tier, as a request's demand is."""


class Flow(Strict):
    """A piece of work a user does: transactions in order, a think time before each."""

    name: Name
    """E.g. ``payment``."""

    weight: float = Field(gt=0)
    """How often a user picks this flow, relative to the other flows."""

    steps: list[Name] = Field(min_length=1)
    """The transactions it runs, in order (names from ``[[transactions]]``)."""


class Service(Strict):
    """How the emulated service behaves beyond capacity: the Treasury's own processing."""

    accept_after_s: float = Field(default=5.0, ge=0)
    """Seconds the Treasury's expenditure control takes to accept a submission."""

    pay_after_s: float = Field(default=30.0, ge=0)
    """Seconds from acceptance to payment."""

    reject_rate: float = Field(default=0.02, ge=0, le=1)
    """Share of submissions expenditure control rejects."""


class Scenario(Strict):
    """A whole scenario file, checked: every name it refers to exists.

    Read one with :func:`peakload.core.scenario_file.load_scenario`. Times in
    the file are clock strings; the ``*_s`` views give seconds after midnight.
    """

    scenario: ScenarioInfo
    """Name, seed and the stretch of the day to run."""

    workload: Workload
    """Who sends requests: users who think (closed) or Poisson arrivals (open)."""

    transactions: list[Transaction] = Field(min_length=1)
    """Every kind of request, with its service demand per tier."""

    flows: list[Flow] = Field(default_factory=list)
    """What users do, as weighted sequences of transactions; optional."""

    tiers: list[Tier] = Field(min_length=1)
    """The servers, in the order a request visits them."""

    slo: Slo = Field(default_factory=Slo)
    """The limits a run must keep to pass."""

    service: Service = Field(default_factory=Service)
    """The emulated Treasury's own processing, for the mock server."""

    failures: list[Failure] = Field(default_factory=list)
    """N-1 drills: tier instances lost for a stretch of the day; optional."""

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
            for j, work in enumerate(txn.deferred):
                where = f"transactions[{i}].deferred[{j}].tier"
                if work.tier not in tier_names:
                    raise ValueError(
                        f"{where}: unknown tier '{work.tier}' (tiers are: {', '.join(tier_names)})"
                    )
                if self.tier(work.tier).is_delay:
                    raise ValueError(
                        f"{where}: '{work.tier}' is a delay tier, where work waits for "
                        "nobody and slows nobody; defer work to a tier with servers"
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
        check_failures(self.failures, {t.name: t for t in self.tiers})
        return self

    # --- derived views -------------------------------------------------------

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def start_s(self) -> float:
        """Start of the simulated day, seconds after midnight."""
        return parse_clock(self.scenario.start)

    @property
    def end_s(self) -> float:
        """End of the simulated day, seconds after midnight."""
        return parse_clock(self.scenario.end)

    @property
    def window_s(self) -> tuple[float, float] | None:
        """The summary window in seconds after midnight, or None for the whole run."""
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
        """The sign-in transaction, if the scenario has one."""
        return next((t for t in self.transactions if t.name == LOGIN), None)

    def transaction(self, name: str) -> Transaction:
        """The transaction called ``name`` (StopIteration if there is none)."""
        return next(t for t in self.transactions if t.name == name)

    def tier(self, name: str) -> Tier:
        """The tier called ``name`` (StopIteration if there is none)."""
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
        """Requests per flow after login, averaged over the flows by weight."""
        total = sum(f.weight for f in self.flow_list)
        return sum(f.weight * len(f.steps) for f in self.flow_list) / total

    def servers_lost(self, tier: str, clock_s: float) -> int:
        """Servers of ``tier`` that the scenario's failures take away at ``clock_s``."""
        workers = self.tier(tier).workers
        return sum(
            f.instances * workers for f in self.failures if f.tier == tier and f.active(clock_s)
        )

    def with_tiers(self, tiers: list[Tier]) -> Scenario:
        """A copy with other tier sizes (for sizing and what-if runs)."""
        return self.model_copy(update={"tiers": tiers})


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{section}[{i}].name: '{name}' is used twice")
        seen.add(name)

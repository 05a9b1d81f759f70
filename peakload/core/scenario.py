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

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from peakload.core.clock import parse_clock
from peakload.core.distributions import Distribution
from peakload.core.workload import Workload

LOGIN = "login"
"""The transaction every user runs once when it starts: the sign-in."""

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
"""A name for a scenario, tier, transaction or flow: letters, digits, ``_`` and ``-``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_clock(value: str) -> str:
    parse_clock(value)
    return value


class ScenarioInfo(_Strict):
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
    """One kind of request, e.g. ``sign_payment``: what it costs each tier it visits."""

    name: Name
    """The API operation it stands for (``peakload.contract.api.TRANSACTIONS``)."""

    weight: float | None = Field(default=None, gt=0)
    """Without ``[[flows]]``: how often users pick it, relative to the others
    (default 1). With flows the flows carry the weights, and this stays unset."""

    demand: dict[Name, Distribution] = Field(default_factory=dict)
    """Service time (s) at each tier it visits: tier name -> distribution."""


class Flow(_Strict):
    """A piece of work a user does: transactions in order, a think time before each."""

    name: Name
    """E.g. ``payment``."""

    weight: float = Field(gt=0)
    """How often a user picks this flow, relative to the other flows."""

    steps: list[Name] = Field(min_length=1)
    """The transactions it runs, in order (names from ``[[transactions]]``)."""


class TierKind(StrEnum):
    """How a tier serves its requests.

    >>> TierKind("delay")
    <TierKind.DELAY: 'delay'>
    """

    QUEUE = "queue"
    """``instances x workers`` servers and one FIFO queue: a request waits when all
    are busy. With ``cores`` set, the requests in service share the cores
    (processor sharing), as a thread pool on a CPU does."""

    DELAY = "delay"
    """An infinite server: every request is served at once and none waits. It
    models the time a response carries that no queue explains (HTTP parsing,
    the framework, JSON, the network), which ``calibrate`` estimates per
    transaction. It has no instances, workers or cost."""


class Tier(_Strict):
    """A layer of identical servers (gateway, app, db, ...), or a delay.

    A ``queue`` tier (the default) serves ``servers`` requests at once; the rest
    wait in arrival order, and past ``queue_limit`` waiting requests a new one is
    refused at once. A ``delay`` tier holds each request for its demand and
    never queues (:class:`TierKind`).
    """

    name: Name
    """Referred to by the transactions' ``demand``; tiers are visited in the
    order ``[[tiers]]`` lists them."""

    kind: TierKind = TierKind.QUEUE
    """``queue`` (servers and a queue) or ``delay`` (an infinite server)."""

    instances: int = Field(default=1, ge=1, le=100_000)
    """Machines (or containers) running this tier; required for a queue tier."""

    workers: int = Field(default=1, ge=1, le=100_000)
    """Requests each instance serves at once (threads, processes, connections);
    required for a queue tier."""

    cores: int | None = Field(default=None, ge=1, le=100_000)
    """CPU cores of each instance, or None. When set, up to ``workers`` requests
    are in service at once on an instance and share its ``cores`` by processor
    sharing: each runs at speed ``min(1, cores / in_service)``, so a demand is
    CPU time, not wall time. This is a thread pool on a CPU, as layered queueing
    networks model it. None: each of the ``workers`` serves at full speed."""

    queue_limit: int | None = Field(default=None, ge=0)
    """Waiting requests the tier holds before it refuses (HTTP 503); None for
    unbounded."""

    cost: float = Field(default=1.0, ge=0)
    """Price of one instance, in any unit: sizing minimises the total."""

    @model_validator(mode="after")
    def _kind_fits(self) -> Tier:
        given = self.model_fields_set
        if self.kind is TierKind.DELAY:
            extra = sorted(given & {"instances", "workers", "cores", "queue_limit", "cost"})
            if extra:
                raise ValueError(
                    f"tier '{self.name}' is a delay (an infinite server): remove {', '.join(extra)}"
                )
        else:
            missing = [key for key in ("instances", "workers") if key not in given]
            if missing:
                raise ValueError(f"tier '{self.name}': {' and '.join(missing)} required")
        return self

    @model_serializer(mode="wrap")
    def _only_what_the_kind_uses(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A delay is written without the servers it does not have, so a scenario
        written back (sized, calibrated) loads again."""
        data: dict[str, Any] = handler(self)
        if self.kind is TierKind.DELAY:
            for key in ("instances", "workers", "cores", "queue_limit", "cost"):
                data.pop(key, None)
        return data

    @property
    def is_delay(self) -> bool:
        """True for an infinite server, which never queues and costs nothing."""
        return self.kind is TierKind.DELAY

    @property
    def servers(self) -> int:
        """c = instances x workers: requests the tier serves at once."""
        return self.instances * self.workers

    @property
    def total_cores(self) -> int | None:
        """instances x cores, or None when the tier does not share cores."""
        return None if self.cores is None else self.instances * self.cores


class Slo(_Strict):
    """The ``[slo]`` table: the limits a run must keep to pass. Unset means unchecked.

    The verdict itself is :mod:`peakload.measure.judge`'s.
    """

    p95_s: float | None = Field(default=None, gt=0)
    """Most the 95th percentile of response time (s) may be, over the window."""

    p99_s: float | None = Field(default=None, gt=0)
    """Most the 99th percentile of response time (s) may be."""

    mean_s: float | None = Field(default=None, gt=0)
    """Most the mean response time (s) may be."""

    error_rate: float | None = Field(default=None, ge=0, le=1)
    """Most the share of failed requests (timed out, refused, errors) may be."""

    max_utilization: float | None = Field(default=None, gt=0, le=1)
    """Most the busy share of any tier's servers may be (headroom for sizing)."""


class Service(_Strict):
    """How the emulated service behaves beyond capacity: the Treasury's own processing."""

    accept_after_s: float = Field(default=5.0, ge=0)
    """Seconds the Treasury's expenditure control takes to accept a submission."""

    pay_after_s: float = Field(default=30.0, ge=0)
    """Seconds from acceptance to payment."""

    reject_rate: float = Field(default=0.02, ge=0, le=1)
    """Share of submissions expenditure control rejects."""


class Failure(_Strict):
    """An N-1 drill: ``instances`` of a tier lost from ``start`` to ``end`` (scenario clock).

    The simulator takes ``instances x workers`` servers from the tier for that
    span, the mock takes as many slots on the load test's scenario clock, and
    ``peakload size`` builds its own N-1 checks from this type. Requests in
    service when the instances go finish; the lost slots are not handed on.
    """

    tier: Name
    start: str
    end: str
    instances: int = Field(default=1, ge=1)

    _clock = field_validator("start", "end")(_check_clock)

    @property
    def start_s(self) -> float:
        return parse_clock(self.start)

    @property
    def end_s(self) -> float:
        return parse_clock(self.end)

    def active(self, clock_s: float) -> bool:
        return self.start_s <= clock_s < self.end_s

    @property
    def key(self) -> str:
        """``"app 09:07-09:13"``: the drill's one name, as both engines key a summary's
        ``drills`` section and ``validate`` names its rows (``drills.<key>.inside...``)."""
        return f"{self.tier} {self.start}-{self.end}"

    @property
    def label(self) -> str:
        """``"app 09:07-09:13 (1 instance)"``: the key and what is lost, for a person."""
        lost = f"{self.instances} instance{'s' if self.instances != 1 else ''}"
        return f"{self.key} ({lost})"


class Scenario(_Strict):
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
        _check_failures(self.failures, {t.name: t for t in self.tiers})
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


def _check_failures(failures: list[Failure], tiers: dict[str, Tier]) -> None:
    for i, failure in enumerate(failures):
        tier = tiers.get(failure.tier)
        if tier is None:
            raise ValueError(
                f"failures[{i}].tier: unknown tier '{failure.tier}' (tiers are: {', '.join(tiers)})"
            )
        if tier.is_delay:
            raise ValueError(
                f"failures[{i}].tier: '{tier.name}' is a delay (an infinite server): "
                "it has no instances to lose"
            )
        if failure.end_s <= failure.start_s:
            raise ValueError(f"failures[{i}].end: {failure.end} is not after start {failure.start}")
        if failure.instances > tier.instances:
            raise ValueError(
                f"failures[{i}].instances: {failure.instances} lost, but tier "
                f"'{tier.name}' has {tier.instances}"
            )


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{section}[{i}].name: '{name}' is used twice")
        seen.add(name)

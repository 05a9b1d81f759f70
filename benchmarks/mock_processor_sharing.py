"""A tier with cores in the mock, against queueing theory: Poisson traffic through the app.

Requests arrive at the times of a seeded Poisson process and go through the
mock's app in this process (an ASGI client, the full route: token check,
capacity, answer) to one tier with exponential demands. The tier's own
counters, sampled every batch, give its mean response in each batch; the
batches after a warm-up are compared with the closed form:

- ``cores = 1`` and workers to spare: processor sharing on one core, whose
  mean response is M/M/1's, ``D / (1 - rho)``, whatever the distribution;
- ``cores = 2, workers = 8``: with exponential demands the number at the
  tier is the same birth-death process as M/M/2's (two served at a time at
  full speed, or up to eight sharing two cores: the tier completes work at
  ``min(n, 2) / D`` either way), so the mean response is M/M/2's.

The estimate's interval comes from the sample itself: batch means, with the
batch's utilization as a control variate (its expectation, rho, is known;
a batch that drew more work than usual also queued more), and a Student t
quantile over the batches.

The closed form needs Poisson arrivals at the tier, and a process that is
not scheduled for tens of milliseconds sends the requests due meanwhile in a
bunch. The tier keeps its schedule whatever the lag (tests/mock_server/
test_shared_cores.py checks each visit against processor sharing exactly),
but bunched arrivals queue more: measured at a load average of 16 on 2
cores, the gaps between sends had a coefficient of variation of 1.63 (1 for
Poisson) and the mean response came out 54 ms against M/M/1's 30, while
processor sharing on those very arrival times gives 52. So every estimate
carries what the sends looked like (their lateness and the gaps' CV), and a
miss with bunched sends is the machine's contention, not the tier's.

Usage: python benchmarks/mock_processor_sharing.py [--seconds 300] [--rho 0.6] [--cores 1|2]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from scipy import stats

from mock_server.main import create_app
from mock_server.settings import Settings
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import scenario_from_dict
from peakload.core.units import unit_password

TRANSACTION = "search_budget_codes"
PATH = "/api/v1/catalog/budget-codes?limit=1"


def erlang_c_response(rate: float, demand: float, servers: int) -> float:
    """Mean response of M/M/c: the demand plus the Erlang C wait."""
    offered = rate * demand
    rho = offered / servers
    terms = sum(offered**k / math.factorial(k) for k in range(servers))
    last = offered**servers / math.factorial(servers) / (1 - rho)
    waits = last / (terms + last)
    return demand + waits * demand / (servers * (1 - rho))


def one_tier(demand_s: float, workers: int, cores: int, seed: int = 1) -> Scenario:
    """One transaction through one tier with cores, exponential demands."""
    return scenario_from_dict(
        {
            "scenario": {"name": "processor-sharing", "seed": seed},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {
                    "name": TRANSACTION,
                    "weight": 1,
                    "demand": {"app": {"dist": "exponential", "mean": demand_s}},
                }
            ],
            "tiers": [{"name": "app", "instances": 1, "workers": workers, "cores": cores}],
        }
    )


@dataclass(frozen=True)
class Estimate:
    """The tier's mean response over the batches, with its 99.9 % interval."""

    mean_s: float
    half_width_s: float
    batches: int
    completions: int
    utilization: float
    plain_half_width_s: float  # without the control variate, for comparison
    late_p99_s: float  # how late the 99th percentile send was against its Poisson time
    gap_cv: float  # coefficient of variation of the gaps between sends (Poisson: 1)

    def agrees_with(self, expected_s: float) -> bool:
        return abs(self.mean_s - expected_s) <= self.half_width_s


def controlled_mean(
    responses: np.ndarray, utilizations: np.ndarray, rho: float, level: float = 0.999
) -> tuple[float, float, float]:
    """Batch means with the utilization as control variate: (estimate, half-width,
    half-width of the plain batch mean). Regresses each batch's mean response on its
    utilization and reads the fit at the known rho (Lavenberg and Welch's estimator)."""
    b = len(responses)
    plain = stats.t.ppf(0.5 + level / 2, b - 1) * responses.std(ddof=1) / math.sqrt(b)
    x = utilizations - rho
    design = np.column_stack([np.ones(b), x])
    coef, *_ = np.linalg.lstsq(design, responses, rcond=None)
    residual = responses - design @ coef
    s2 = residual @ residual / (b - 2)
    spread = ((x - x.mean()) ** 2).sum()
    se = math.sqrt(s2 * (1 / b + x.mean() ** 2 / spread))
    return float(coef[0]), float(stats.t.ppf(0.5 + level / 2, b - 2) * se), float(plain)


async def measure(
    scenario: Scenario,
    rate: float,
    seconds: float,
    seed: int,
    db_dir: Path,
    batches: int = 20,
    warmup_s: float = 5.0,
) -> Estimate:
    """Send Poisson(``rate``) requests for ``warmup_s + seconds`` through the app and
    estimate the tier's mean response from its counters over ``batches`` batches."""
    settings = Settings(db=f"sqlite:///{db_dir / 'ps.db'}", units=2_000, seed=seed)
    app = create_app(settings, scenario)
    tier = scenario.tiers[0]
    rho = rate * scenario.transactions[0].demand[tier.name].mean / (tier.total_cores or 1)
    rng = np.random.default_rng([seed, 1])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://mock", limits=limits
        ) as client:
            password = unit_password(settings.unit_secret, 1000001)
            token = (
                await client.post(
                    "/api/v1/auth/token", json={"unit_code": "1000001", "password": password}
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            pool = app.state.capacity.tiers[tier.name]
            loop = asyncio.get_running_loop()
            start = loop.time()
            edges = start + warmup_s + np.linspace(0.0, seconds, batches + 1)
            snapshots: list[dict[str, float]] = []
            pending: set[asyncio.Task] = set()
            sent: list[tuple[float, float]] = []  # (Poisson time, when it was sent)
            at = start
            while at < edges[-1]:
                at += rng.exponential(1 / rate)
                while len(snapshots) <= batches and edges[len(snapshots)] <= at:
                    await asyncio.sleep(max(0.0, edges[len(snapshots)] - loop.time()))
                    snapshots.append(pool.stats())
                await asyncio.sleep(max(0.0, at - loop.time()))
                sent.append((at, loop.time()))
                task = asyncio.ensure_future(client.get(PATH, headers=headers))
                pending.add(task)
                task.add_done_callback(pending.discard)
            answers = await asyncio.gather(*pending)
    if any(a.status_code != 200 for a in answers):
        raise RuntimeError("a request failed")
    done = np.diff([s["completions"] for s in snapshots])
    busy = np.diff([s["busy_seconds"] for s in snapshots])
    wait = np.diff([s["wait_seconds"] for s in snapshots])
    capacity = tier.total_cores or tier.servers
    utilization = busy / (capacity * seconds / batches)
    mean, half, plain = controlled_mean((wait + busy) / done, utilization, rho)
    due, when = np.array(sent).T
    gaps = np.diff(when)
    return Estimate(
        mean,
        half,
        batches,
        int(done.sum()),
        float(utilization.mean()),
        plain,
        float(np.quantile(when - due, 0.99)),
        float(gaps.std() / gaps.mean()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="measured seconds per case")
    parser.add_argument("--rho", type=float, default=0.6, help="utilization of the cores")
    parser.add_argument("--demand-ms", type=float, default=12.0, help="mean demand on one core")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cores", type=int, choices=[1, 2], help="only this case (default: both)")
    args = parser.parse_args()
    d1 = args.demand_ms / 1000
    cases = [
        ("cores=1 workers=100 (M/M/1)", one_tier(d1, 100, 1), args.rho / d1, 1, d1),
        ("cores=2 workers=8 (M/M/2)", one_tier(2 * d1, 8, 2), args.rho / d1, 2, 2 * d1),
    ]
    print(f"{args.seconds:.0f} s measured per case, rho {args.rho}, 99.9 % intervals")
    for label, scenario, rate, cores, demand in cases:
        if args.cores is not None and cores != args.cores:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            estimate = asyncio.run(measure(scenario, rate, args.seconds, args.seed, Path(tmp)))
        expected = erlang_c_response(rate, demand, cores)
        error = estimate.mean_s / expected - 1
        print(
            f"{label}: {rate:.1f} req/s, utilization {estimate.utilization:.3f}, "
            f"{estimate.completions} completions; mean response "
            f"{estimate.mean_s * 1000:.2f} ms +/- {estimate.half_width_s * 1000:.2f} "
            f"(plain batch means +/- {estimate.plain_half_width_s * 1000:.2f}) against "
            f"{expected * 1000:.2f} ms: {error:+.1%}; sends: p99 {estimate.late_p99_s * 1000:.1f} "
            f"ms late, gaps' CV {estimate.gap_cv:.2f} (Poisson: 1)"
        )


if __name__ == "__main__":
    main()

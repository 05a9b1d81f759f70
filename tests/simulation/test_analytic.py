import math

import pytest

from simulation.analytic import (
    erlang_c,
    mgc_station,
    mmc_sojourn_cdf,
    mmc_sojourn_percentile,
    mmck_blocking,
    pollaczek_khinchine_wait,
    shared_pool_station,
)
from simulation.mva import MvaStation, mva


def test_erlang_c_known_values():
    assert erlang_c(1, 0.9) == pytest.approx(0.9)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(4, 4.5) == 1.0  # overloaded


def test_mgc_station_is_pk_for_one_server():
    rate, mean, scv = 8.0, 0.1, 2.25
    est = mgc_station(rate, mean, 1, scv)
    assert est.mean_wait_s == pytest.approx(
        pollaczek_khinchine_wait(rate, mean, (1 + scv) * mean**2)
    )
    assert not mgc_station(11.0, 0.1, 1).stable


def test_mmck_blocking_reduces_to_mm1k():
    rho, k = 0.8, 5
    expected = (1 - rho) * rho**k / (1 - rho ** (k + 1))
    assert mmck_blocking(0.8, 1.0, 1, k) == pytest.approx(expected)
    assert mmck_blocking(1000.0, 1.0, 200, 200) == pytest.approx(1 - 200 / 1000, abs=0.01)


def test_mmc_sojourn_percentile():
    # M/M/1: sojourn is exponential with rate mu - lambda.
    assert mmc_sojourn_percentile(0.95, 9.0, 0.1, 1) == pytest.approx(math.log(20) / 1.0)
    # Many idle servers: the response is just the exponential service.
    assert mmc_sojourn_percentile(0.95, 0.01, 1.0, 50) == pytest.approx(math.log(20), rel=1e-3)
    assert mmc_sojourn_cdf(0.5, 9.0, 1.0, 10) < mmc_sojourn_cdf(1.5, 9.0, 1.0, 10)


def test_mva_single_user_and_saturation():
    one = mva([0.1, 0.2], users=1, think_s=1.0)
    assert one.response_s == pytest.approx(0.3)
    assert one.throughput == pytest.approx(1 / 1.3)
    many = mva([0.1, 0.2], users=500, think_s=1.0)
    assert many.throughput == pytest.approx(1 / 0.2, rel=1e-3)  # bottleneck bound 1 / Dmax
    # Seidmann: a c-server station with one user costs its demand, no more.
    assert mva([0.4], users=1, think_s=0.0, servers=[4]).response_s == pytest.approx(0.4)


def _load_dependent_mva(demands, users, think, rates):
    """Reiser and Lavenberg's load-dependent MVA in its general form, station k serving
    at rates[k](j) x 1/D with j present: the textbook recursion, O(N^2) per station."""
    p = [[1.0] + [0.0] * users for _ in demands]
    throughput, residence = 0.0, []
    for n in range(1, users + 1):
        residence = [
            sum(j * d / rate(j) * p[k][j - 1] for j in range(1, n + 1))
            for k, (d, rate) in enumerate(zip(demands, rates, strict=True))
        ]
        throughput = n / (think + sum(residence))
        for k, (d, rate) in enumerate(zip(demands, rates, strict=True)):
            new = [0.0] * (users + 1)
            for j in range(1, n + 1):
                new[j] = d / rate(j) * throughput * p[k][j - 1]
            new[0] = 1 - sum(new[1:])
            p[k] = new
    return throughput, residence


@pytest.mark.parametrize("c", [1, 2, 3, 6])
def test_exact_multiserver_mva_is_the_general_load_dependent_recursion(c):
    demands, users, think = [0.3, 0.2, 0.1], 30, 2.0
    throughput, residence = _load_dependent_mva(
        demands, users, think, [lambda j: min(j, c), lambda j: 1, lambda j: j]
    )
    kinds = [MvaStation.LOAD_DEPENDENT, MvaStation.QUEUE, MvaStation.DELAY]
    result = mva(demands, users, think, [c, 1, 1], kinds)
    assert result.throughput == pytest.approx(throughput, rel=1e-9)
    assert result.station_response_s == pytest.approx(residence, rel=1e-9)
    assert result.station_response_s[2] == pytest.approx(0.1)  # a delay: no queue
    assert math.isnan(result.utilization[2])


def test_seidmann_stations_are_unchanged_by_the_station_kinds():
    plain = mva([0.3, 0.2], 25, 1.0, [3, 1])
    kinds = mva([0.3, 0.2], 25, 1.0, [3, 1], [MvaStation.QUEUE, MvaStation.QUEUE])
    assert plain == kinds


@pytest.mark.parametrize(
    ("instances", "workers", "cores", "queue_limit"),
    [(1, 1000, 1, None), (1, 8, 2, None), (1, 3, 2, None), (2, 8, 2, None), (1, 8, 2, 4)],
)
def test_shared_pool_chain_has_the_means_of_mmc_with_c_min_workers_cores(
    instances, workers, cores, queue_limit
):
    rate, demand = 7.0, 0.2 if cores > 1 else 0.1
    c = instances * min(workers, cores)
    est = shared_pool_station(rate, demand, instances, workers, cores, queue_limit)
    assert est.utilization == pytest.approx(
        rate * (1 - est.refused_fraction) * demand / (instances * cores)
    )
    if queue_limit is None:
        assert est.mean_response_s == pytest.approx(mgc_station(rate, demand, c).mean_response_s)
        assert est.refused_fraction == 0
    else:
        capacity = instances * workers + queue_limit
        assert est.refused_fraction == pytest.approx(mmck_blocking(rate, demand, c, capacity))
    # Time in service is at least the demand: sharing cores only slows it.
    assert est.mean_response_s - est.mean_wait_s >= demand - 1e-12


def test_shared_pool_waits_for_a_worker_only_past_the_pool():
    # One core, one worker: an M/M/1 whose whole queue waits for the worker (W = rho S /
    # (1 - rho)); with 1000 workers nobody waits for one, all the time is slowed service.
    narrow = shared_pool_station(8.0, 0.1, 1, 1, 1)
    wide = shared_pool_station(8.0, 0.1, 1, 1000, 1)
    assert narrow.mean_wait_s == pytest.approx(0.8 * 0.1 / 0.2)
    assert wide.mean_wait_s == pytest.approx(0.0, abs=1e-12)
    assert narrow.mean_response_s == pytest.approx(wide.mean_response_s)
    assert narrow.pool_occupancy == pytest.approx(0.8)
    assert not shared_pool_station(12.0, 0.1, 1, 4, 1).stable

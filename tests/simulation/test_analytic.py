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


def test_a_background_is_the_chain_with_the_cores_slowed_and_counted_busy():
    # b = 0.2 of one core: 0.1 s of CPU is 0.125 s of service; at 5 req/s the chain is
    # M/M/1 at rho = 0.625 (R = 1/3 s), while the core is 0.2 + 5 x 0.1 = 0.7 busy.
    est = shared_pool_station(5.0, 0.1, 1, 1000, 1, background=0.2)
    assert est.mean_response_s == pytest.approx(0.125 / (1 - 0.625))
    assert est.utilization == pytest.approx(0.7)
    # stable while the requests fit in what the background leaves: 7.9 x 0.1 < 0.8
    assert shared_pool_station(7.9, 0.1, 1, 1000, 1, background=0.2).stable
    assert not shared_pool_station(8.1, 0.1, 1, 1000, 1, background=0.2).stable


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
